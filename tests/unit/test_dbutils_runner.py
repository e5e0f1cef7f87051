"""The dbutils.notebook.run runner with a FakeDbutils, and reading a notebook's exit value."""

from __future__ import annotations

import json

import pytest

from fakes import FakeDbutils
from medallion_orchestrator.execution.results import TaskOutcome, TaskStatus
from medallion_orchestrator.planning import NotebookTask
from medallion_orchestrator.runners.base import outcome_from_exit_value
from medallion_orchestrator.runners.dbutils_runner import DbutilsNotebookRunner

ARGUMENTS = {"task": '{"dst_table_name": "customers"}', "environment": "dev"}
TASK = NotebookTask("dev_silver.shop.customers", "silver/nb_silver_dim_loader", 1, 900, ARGUMENTS)
PATH = "../silver/nb_silver_dim_loader"


class WorkflowException(Exception):
    """Like com.databricks.WorkflowException through py4j: the child's error in `details`."""

    def __init__(self, message: str, details: str) -> None:
        super().__init__(message)
        self.details = details


@pytest.mark.parametrize(
    ("root", "path"),
    [
        ("..", PATH),
        ("../", PATH),
        (
            "/Workspace/Repos/me/medallion/notebooks/",
            "/Workspace/Repos/me/medallion/notebooks/silver/nb_silver_dim_loader",
        ),
    ],
)
def test_runs_the_notebook_under_the_root_with_its_timeout_and_arguments(
    root: str, path: str
) -> None:
    dbutils = FakeDbutils()

    DbutilsNotebookRunner(dbutils, root).run(TASK)

    assert dbutils.notebook.calls == [(path, 900, ARGUMENTS)]


def test_the_default_root_is_the_parent_folder() -> None:
    dbutils = FakeDbutils()

    DbutilsNotebookRunner(dbutils).run(TASK)

    assert dbutils.notebook.calls[0][0] == PATH


def test_the_exit_json_is_parsed() -> None:
    exit_value = json.dumps({"status": "SUCCESS", "message": "merged 3 rows", "rows_written": 3})
    dbutils = FakeDbutils({PATH: exit_value})

    outcome = DbutilsNotebookRunner(dbutils).run(TASK)

    assert outcome == TaskOutcome(
        TaskStatus.SUCCESS,
        "merged 3 rows",
        None,
        {"status": "SUCCESS", "message": "merged 3 rows", "rows_written": 3},
    )


def test_an_exit_json_that_reports_failure_fails() -> None:
    exit_value = json.dumps({"status": "FAILED", "message": "bad key", "error": "trace"})

    outcome = DbutilsNotebookRunner(FakeDbutils({PATH: exit_value})).run(TASK)

    assert (outcome.status, outcome.message, outcome.error) == (
        TaskStatus.FAILED,
        "bad key",
        "trace",
    )


def test_an_exception_fails_with_its_text() -> None:
    error = RuntimeError(
        "com.databricks.WorkflowException: NotebookExecutionException: FAILED\n"
        "AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] dev_bronze.shop.customers"
    )

    outcome = DbutilsNotebookRunner(FakeDbutils({PATH: error})).run(TASK)

    assert outcome.status is TaskStatus.FAILED
    assert outcome.message == "com.databricks.WorkflowException: NotebookExecutionException: FAILED"
    assert outcome.error == str(error)


def test_an_exception_with_details_reports_them_as_the_error() -> None:
    error = WorkflowException("Notebook failed", "Traceback ...\nKeyError: 'customer_id'")

    outcome = DbutilsNotebookRunner(FakeDbutils({PATH: error})).run(TASK)

    assert (outcome.status, outcome.message) == (TaskStatus.FAILED, "Notebook failed")
    assert outcome.error == "Traceback ...\nKeyError: 'customer_id'"


def test_an_exception_without_text_is_named_by_its_type() -> None:
    outcome = DbutilsNotebookRunner(FakeDbutils({PATH: ConnectionError()})).run(TASK)

    assert (outcome.status, outcome.message) == (TaskStatus.FAILED, "ConnectionError")


@pytest.mark.parametrize(
    "text",
    [
        "com.databricks.WorkflowException: Notebook run timed out after 900 seconds",
        "Run TIMEDOUT",
        "Timed Out waiting for the notebook",
    ],
)
def test_a_timed_out_exception_is_timed_out(text: str) -> None:
    outcome = DbutilsNotebookRunner(FakeDbutils({PATH: RuntimeError(text)})).run(TASK)

    assert outcome.status is TaskStatus.TIMED_OUT
    assert outcome.message == text


@pytest.mark.parametrize("value", [None, ""])
def test_no_exit_value_is_success(value: str | None) -> None:
    assert outcome_from_exit_value(value) == TaskOutcome(
        TaskStatus.SUCCESS, "notebook exited without a value"
    )


def test_a_non_json_exit_value_is_success_and_kept() -> None:
    outcome = outcome_from_exit_value("loaded customers")

    assert outcome == TaskOutcome(
        TaskStatus.SUCCESS, "loaded customers", output={"exit_value": "loaded customers"}
    )


def test_a_long_non_json_exit_value_makes_a_short_message() -> None:
    outcome = outcome_from_exit_value("x" * 500)

    assert outcome.message == "x" * 200
    assert outcome.output == {"exit_value": "x" * 500}


def test_json_that_is_not_an_object_is_success_and_kept() -> None:
    outcome = outcome_from_exit_value("[1, 2]")

    assert (outcome.status, outcome.message, outcome.output) == (
        TaskStatus.SUCCESS,
        "[1, 2]",
        {"exit_value": [1, 2]},
    )


@pytest.mark.parametrize(
    ("exit_value", "status", "message", "error"),
    [
        (
            {"status": "FAILED", "message": "no key", "error": "Traceback"},
            TaskStatus.FAILED,
            "no key",
            "Traceback",
        ),
        ({"status": "TIMED_OUT"}, TaskStatus.TIMED_OUT, "", None),
        ({"message": "merged 3", "rows_written": 3}, TaskStatus.SUCCESS, "merged 3", None),
    ],
)
def test_a_json_object_gives_its_status_message_and_error(
    exit_value: dict[str, object], status: TaskStatus, message: str, error: str | None
) -> None:
    outcome = outcome_from_exit_value(json.dumps(exit_value))

    assert (outcome.status, outcome.message, outcome.error) == (status, message, error)
    assert outcome.output == exit_value
