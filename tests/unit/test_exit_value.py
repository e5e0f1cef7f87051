"""The exit value every orchestrated notebook ends with, and how the orchestrator reads it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from medallion_orchestrator.exit_contract import (
    CONTRACT,
    TRACEBACK_LIMIT,
    failure_value,
    success_value,
)
from medallion_orchestrator.exit_value import run_and_exit
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.notebook_engine.dbutils import (
    LocalDbutils,
    NotebookExit,
    NotebookTimedOut,
)
from medallion_orchestrator.runners.base import outcome_from_exit_value
from medallion_orchestrator.tasks import LoadReport, TaskOutcome, TaskStatus

CUSTOMERS = TaskRow.from_mapping(
    {"dst_catalog": "dev_silver", "dst_schema": "shop", "dst_table_name": "customers"}
)


class Exited(BaseException):
    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


class ExitOnlyDbutils:
    """dbutils.notebook.exit as on Databricks: it stops the notebook (here by raising)."""

    def __init__(self) -> None:
        self.notebook = self

    def exit(self, value: str) -> None:
        assert isinstance(value, str)
        raise Exited(value)


def exit_of(load: Any, **options: Any) -> dict[str, Any]:
    with pytest.raises(Exited) as exited:
        run_and_exit(ExitOnlyDbutils(), load, **options)
    value: dict[str, Any] = json.loads(exited.value.value)
    return value


def failing_load() -> LoadReport:
    raise KeyError("customer_id")


def test_a_load_that_succeeds_exits_with_its_report() -> None:
    value = exit_of(lambda: LoadReport("dev_silver.shop.customers", 3, 7, "merged"))

    assert value == {
        "contract": CONTRACT,
        "status": "SUCCESS",
        "target": "dev_silver.shop.customers",
        "rows_written": 3,
        "target_version": 7,
        "message": "merged",
        "transient": False,
    }


def test_a_load_that_raises_exits_with_its_error() -> None:
    def load() -> LoadReport:
        raise KeyError("customer_id")

    value = exit_of(load)

    assert value["contract"] == CONTRACT
    assert value["status"] == "FAILED"
    assert value["error_class"] == "KeyError"
    assert value["message"] == "KeyError: 'customer_id'"
    assert value["transient"] is False
    assert "in load" in value["traceback"]


def test_a_failure_says_where_it_left_the_target() -> None:
    value = exit_of(
        failing_load, target_as_left=lambda: LoadReport("dev_silver.shop.customers", None, 7)
    )

    assert value["status"] == "FAILED"
    assert value["target"] == "dev_silver.shop.customers"
    assert value["target_version"] == 7
    assert value["rows_written"] is None  # a failed load's rows are not counted


def test_a_failure_whose_target_cannot_be_read_has_null_fields() -> None:
    def unreadable() -> LoadReport:
        raise RuntimeError("no Spark session")

    for value in (exit_of(failing_load), exit_of(failing_load, target_as_left=unreadable)):
        assert (value["target"], value["rows_written"], value["target_version"]) == (
            None,
            None,
            None,
        )
        assert value["error_class"] == "KeyError"  # the load's error, not the reading's


def test_the_target_comes_from_the_task_widget_by_default() -> None:
    # what the orchestrator passes every notebook; no Spark session here, so no version
    dbutils = LocalDbutils({"task": CUSTOMERS.to_json(), "environment": "dev"}, lambda *_: None)

    with pytest.raises(NotebookExit) as exited:
        run_and_exit(dbutils, failing_load)

    value = json.loads(exited.value.value)
    assert value["target"] == "dev_silver.shop.customers"
    assert value["target_version"] is None


def test_a_failure_is_read_back_with_its_target() -> None:
    value = failure_value(KeyError("id"), LoadReport("dev_silver.shop.orders", None, 3))

    outcome = outcome_from_exit_value(value)

    assert outcome.status is TaskStatus.FAILED
    assert outcome.load is not None
    assert (outcome.load.target, outcome.load.rows_written, outcome.load.target_version) == (
        "dev_silver.shop.orders",
        None,
        3,
    )


def test_a_concurrent_conflict_is_flagged_transient_by_the_child() -> None:
    def load() -> None:
        raise RuntimeError(
            "[DELTA_CONCURRENT_APPEND.WITHOUT_HINT] ConcurrentAppendException: Files were added "
            "to the root of the table by a concurrent update. Please try the operation again."
        )

    assert exit_of(load)["transient"] is True


def test_the_traceback_is_bounded() -> None:
    def load() -> None:
        raise ValueError("x" * (TRACEBACK_LIMIT * 3))

    value = exit_of(load)

    assert len(json.dumps(value)) < 4 * TRACEBACK_LIMIT
    assert len(value["traceback"]) <= TRACEBACK_LIMIT
    assert "ValueError" in value["traceback"]


def test_a_load_may_return_nothing_or_a_mapping() -> None:
    assert exit_of(lambda: None)["status"] == "SUCCESS"
    value = exit_of(lambda: {"rows_written": 2, "files": 4})
    assert (value["rows_written"], value["files"]) == (2, 4)


def test_a_local_stop_or_timeout_inside_the_load_is_reported() -> None:
    # the local engine stops a notebook by raising NotebookTimedOut (an Exception) in it
    def load() -> None:
        raise NotebookTimedOut("notebook silver/x was stopped")

    value = exit_of(load)

    assert (value["status"], value["error_class"]) == ("FAILED", "NotebookTimedOut")


def test_an_interruption_is_not_caught() -> None:
    def load() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_and_exit(ExitOnlyDbutils(), load)


def test_success_is_read_back_typed() -> None:
    value = success_value(LoadReport("dev_silver.shop.orders", 5, 2, "overwritten"))

    outcome = outcome_from_exit_value(value)

    assert outcome.status is TaskStatus.SUCCESS
    assert outcome.message == "overwritten"
    assert outcome.load == LoadReport("dev_silver.shop.orders", 5, 2, "overwritten")
    assert outcome.transient is False


def test_failure_is_read_back_with_its_cause() -> None:
    try:
        raise ValueError("[DELTA_CONCURRENT_DELETE_READ] ConcurrentDeleteReadException: gone")
    except ValueError as error:
        value = failure_value(error)

    outcome = outcome_from_exit_value(value)

    assert outcome.status is TaskStatus.FAILED
    assert outcome.error_class == "ValueError"
    assert outcome.message.startswith("ValueError: [DELTA_CONCURRENT_DELETE_READ]")
    assert outcome.error is not None and "Traceback" in outcome.error
    assert outcome.transient is True


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("loaded customers", "not the exit-value contract"),
        ("[1, 2]", "not the exit-value contract"),
        ('{"rows_written": 3}', "no status"),
        ('{"contract": 1, "status": "DONE"}', "unknown status 'DONE'"),
        ('{"contract": 99, "status": "SUCCESS"}', "contract 99"),
        ('{"contract": 1, "status": "SUCCESS", "rows_written": "3"}', "rows_written"),
        ('{"contract": 1, "status": "FAILED", "transient": "yes"}', "transient"),
    ],
)
def test_a_value_that_is_not_the_contract_fails_clearly(value: str, says: str) -> None:
    outcome = outcome_from_exit_value(value)

    assert outcome.status is TaskStatus.FAILED
    assert says in outcome.message
    assert outcome.transient is False


def test_a_value_cut_at_the_limit_says_so() -> None:
    cut = success_value(LoadReport("t", 1, 1, "m" * 100))[:50]

    outcome = outcome_from_exit_value(cut + " " * (5 * 1024 * 1024 - len(cut)))

    assert outcome.status is TaskStatus.FAILED
    assert "5 MB" in outcome.message


@pytest.mark.parametrize("value", [None, ""])
def test_no_value_at_all_is_a_notebook_that_ran_to_its_end(value: str | None) -> None:
    outcome = outcome_from_exit_value(value)

    assert outcome.status is TaskStatus.SUCCESS
    assert outcome.load is None


def test_a_pre_contract_object_with_a_status_is_still_read() -> None:
    value = json.dumps({"status": "SUCCESS", "message": "merged 3 rows", "rows_inserted": 3})

    outcome = outcome_from_exit_value(value)

    assert outcome == TaskOutcome(
        TaskStatus.SUCCESS,
        "merged 3 rows",
        output={"rows_inserted": 3},
    )
