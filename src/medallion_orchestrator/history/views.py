"""`medallion runs`: the run history as tables."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from medallion_orchestrator.history.run_log import RunHistory

RUN_COLUMNS = (
    "run_id",
    "layer",
    "status",
    "started_at",
    "duration_seconds",
    "total_tasks",
    "succeeded",
    "failed",
    "timed_out",
    "skipped",
    "repair_of",
)
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
    _print(RUN_COLUMNS, history.runs(last), out)


def print_run(history: RunHistory, run_id: str, out: TextIO) -> int:
    history.ensure_tables()
    run, attempts = history.run(run_id)
    if run is None:
        out.write(f"no run {run_id} in run_log\n")
        return 2
    _print(RUN_COLUMNS, [run], out)
    _print(ATTEMPT_COLUMNS, attempts, out)
    for attempt in attempts:
        if attempt["error"]:
            out.write(f"\n{attempt['status']} {attempt['task']} attempt {attempt['attempt']}:\n")
            out.write(attempt["error"].rstrip() + "\n")
    return 0


def _print(columns: tuple[str, ...], rows: list[dict[str, Any]], out: TextIO) -> None:
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else _cell(row[c]) for c in columns))
    Console(file=out, width=220).print(table)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)[:120]
