"""The dbutils.notebook.run runner with a FakeDbutils, and reading a notebook's exit value."""

from __future__ import annotations

import json

import pytest

from fakes import FakeDbutils
from medallion_orchestrator.exit_contract import success_value
from medallion_orchestrator.runners.dbutils_runner import DbutilsNotebookRunner
from medallion_orchestrator.tasks import LoadReport, NotebookTask, TaskOutcome, TaskStatus

ARGUMENTS = {"task": '{"dst_table_name": "customers"}', "environment": "dev"}
TASK = NotebookTask("dev_silver.shop.customers", "silver/nb_silver_dim_loader", 1, 900, ARGUMENTS)
PATH = "../silver/nb_silver_dim_loader"


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


def test_the_exit_value_is_read_typed() -> None:
    exit_value = success_value(LoadReport("dev_silver.shop.customers", 3, 4, "merged 3 rows"))
    dbutils = FakeDbutils({PATH: exit_value})

    outcome = DbutilsNotebookRunner(dbutils).run(TASK)

    assert outcome == TaskOutcome(
        TaskStatus.SUCCESS,
        "merged 3 rows",
        load=LoadReport("dev_silver.shop.customers", 3, 4, "merged 3 rows"),
    )


def test_an_exit_value_that_reports_failure_fails_with_its_cause() -> None:
    exit_value = json.dumps(
        {
            "contract": 1,
            "status": "FAILED",
            "error_class": "LoadError",
            "message": "LoadError: bad key",
            "traceback": "Traceback ...",
            "transient": False,
        }
    )

    outcome = DbutilsNotebookRunner(FakeDbutils({PATH: exit_value})).run(TASK)

    assert (outcome.status, outcome.message, outcome.error, outcome.error_class) == (
        TaskStatus.FAILED,
        "LoadError: bad key",
        "Traceback ...",
        "LoadError",
    )


def test_a_child_that_raised_anyway_fails_saying_its_cause_is_in_its_run_output() -> None:
    # What dbutils.notebook.run raises on Databricks, through py4j: no word of the cause.
    error = RuntimeError(
        "An error occurred while calling o412.run.\n: com.databricks.WorkflowException: "
        "com.databricks.NotebookExecutionException: FAILED: Workload failed, see run output for "
        "details\n\tat com.databricks.workflow.WorkflowDriver.run(WorkflowDriver.scala:99)"
    )

    outcome = DbutilsNotebookRunner(FakeDbutils({PATH: error})).run(TASK)

    assert outcome.status is TaskStatus.FAILED
    assert outcome.message == (
        "notebook silver/nb_silver_dim_loader failed and did not report its error in its exit "
        "value (see its run output; end it with run_and_exit to report it): RuntimeError: An "
        "error occurred while calling o412.run."
    )
    assert outcome.error is not None and "Workload failed" in outcome.error
    assert (outcome.error_class, outcome.transient) == ("RuntimeError", False)


def test_an_exception_without_text_is_named_by_its_type() -> None:
    outcome = DbutilsNotebookRunner(FakeDbutils({PATH: ConnectionError()})).run(TASK)

    assert outcome.status is TaskStatus.FAILED
    assert outcome.message.endswith(": ConnectionError")


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
    assert outcome.message == f"RuntimeError: {text}"


def test_a_non_contract_exit_value_fails() -> None:
    outcome = DbutilsNotebookRunner(FakeDbutils({PATH: "loaded customers"})).run(TASK)

    assert outcome.status is TaskStatus.FAILED
    assert "not the exit-value contract: 'loaded customers'" in outcome.message
