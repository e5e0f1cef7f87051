"""`medallion runs`: the run history as tables."""

from __future__ import annotations

from typing import Any, TextIO

from medallion_orchestrator.errors import ConfigError
from medallion_orchestrator.history.run_log import RunHistory
from medallion_orchestrator.terminal import print_table

RUN_COLUMNS = ("run_id", "layer", "status", "started_at", "seconds", "tasks", "repair_of")
TASK_COUNTS = (
    ("succeeded", "ok"),
    ("up_to_date", "up to date"),
    ("failed", "failed"),
    ("timed_out", "timed out"),
    ("skipped", "skipped"),
    ("cancelled", "cancelled"),
)
WHOLE = ("run_id", "layer", "status", "task", "repair_of")
ATTEMPT_COLUMNS = (
    "task",
    "status",
    "attempt",
    "started_at",
    "duration_seconds",
    "rows_written",
    "target_version",
    "message",
)


def print_runs(history: RunHistory, last: int, out: TextIO) -> None:
    history.ensure_tables()
    _print(RUN_COLUMNS, [_run_row(run) for run in history.runs(last)], out)


def print_run(history: RunHistory, run_id: str, out: TextIO) -> int:
    history.ensure_tables()
    run, attempts = history.run(run_id)
    if run is None:
        where = history.tables.name("run_log")
        raise ConfigError(f"no run {run_id} in {where}: `medallion runs` lists the runs")
    _print(RUN_COLUMNS, [_run_row(run)], out)
    _print(ATTEMPT_COLUMNS, attempts, out)
    for attempt in attempts:
        if attempt["error"]:
            out.write(f"\n{attempt['status']} {attempt['task']} attempt {attempt['attempt']}:\n")
            out.write(attempt["error"].rstrip() + "\n")
    return 0


def _print(columns: tuple[str, ...], rows: list[dict[str, Any]], out: TextIO) -> None:
    cells = [["" if row.get(c) is None else _cell(row[c]) for c in columns] for row in rows]
    print_table(columns, cells, out, whole=WHOLE)


def _run_row(run: dict[str, Any]) -> dict[str, Any]:
    """A run_log row as shown: one `tasks` cell instead of the count columns."""
    counts = [f"{run[column]} {word}" for column, word in TASK_COUNTS if run.get(column)]
    total = run.get("total_tasks")
    tasks = f"{total}: " + ", ".join(counts) if counts and total is not None else total
    return {**run, "seconds": run.get("duration_seconds"), "tasks": tasks}


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)[:120]
