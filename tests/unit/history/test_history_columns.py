"""The history tables' columns: added to a table an older version created, never renamed; every
task status counted in run_log; the typed result in each task_run_log row."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from medallion_orchestrator.execution.results import RunResult
from medallion_orchestrator.history.run_log import attempt_row, run_counts
from medallion_orchestrator.metadata.ddl import add_columns_statement, columns
from medallion_orchestrator.tasks import TaskResult, TaskStatus

DDL = Path(__file__).resolve().parents[3] / "metadata" / "ddl"
T0 = datetime(2024, 5, 1, 6, 0, tzinfo=timezone.utc)
# task_run_log as the versions before error_class and transient created it
OLD_TASK_RUN_LOG = [
    "run_id",
    "layer",
    "task",
    "notebook",
    "execution_order",
    "status",
    "attempt",
    "started_at",
    "ended_at",
    "duration_seconds",
    "message",
    "error",
    "rows_written",
    "target_version",
]


def result(key: str, status: TaskStatus, error_class: str | None = None) -> TaskResult:
    return TaskResult(
        key, "silver/nb", 1, status, "m", T0, T0, 0.0, error_class=error_class, transient=True
    )


def test_the_columns_an_older_table_lacks_are_added() -> None:
    statement = add_columns_statement(
        DDL / "task_run_log.sql", "dev_silver.metadata.task_run_log", OLD_TASK_RUN_LOG
    )

    assert statement == (
        "ALTER TABLE dev_silver.metadata.task_run_log "
        "ADD COLUMNS (error_class STRING, transient BOOLEAN, build STRING)"
    )


def test_a_table_with_every_column_needs_nothing() -> None:
    ddl = DDL / "run_log.sql"
    names = [name.upper() for name, _ in columns(ddl)]  # Spark's names are case-insensitive

    assert add_columns_statement(ddl, "c.s.run_log", names) is None


def test_columns_are_only_added_never_renamed() -> None:
    names = [name for name, _ in columns(DDL / "task_run_log.sql")]

    assert names[: len(OLD_TASK_RUN_LOG)] == OLD_TASK_RUN_LOG
    assert names[len(OLD_TASK_RUN_LOG) :] == ["error_class", "transient", "build"]
    assert list(dict(columns(DDL / "run_log.sql")))[-5:] == [
        "cancelled",
        "up_to_date",
        "pinned_versions",
        "max_workers",
        "scheduler",
    ]


def test_run_log_counts_every_status_so_the_parts_add_up() -> None:
    results = tuple(result(status.value, status) for status in TaskStatus)
    counts = run_counts(RunResult("r", "l", T0, T0, results))

    assert counts.pop("total_tasks") == len(TaskStatus) == sum(counts.values())
    assert counts["cancelled"] == 1
    assert set(counts) <= set(dict(columns(DDL / "run_log.sql")))


def test_an_attempt_row_carries_the_typed_result() -> None:
    row = attempt_row("r", "l", result("t", TaskStatus.FAILED, "ConcurrentAppendException"), 1)

    assert (row["error_class"], row["transient"]) == ("ConcurrentAppendException", True)
    assert set(row) == set(dict(columns(DDL / "task_run_log.sql")))


def test_losing_the_race_to_add_a_column_is_tried_again() -> None:
    from medallion_orchestrator.history.run_log import _column_race

    lost = RuntimeError("[FIELD_ALREADY_EXISTS] Cannot add column, because `transient` already")
    assert _column_race(lost)
    assert not _column_race(RuntimeError("[PARSE_SYNTAX_ERROR] near 'ADD'"))
