"""`run_log` and `task_run_log`: every run and task attempt, written as the run goes.

Rows go through one writer thread, so worker threads never wait on Delta and a run killed
half way still shows every attempt that had ended. Each attempt row carries the typed result
(`error_class`, `transient`); a run's row counts every task status, so its counts add up to
`total_tasks`. Tables an older version created get the columns added since (`ensure_tables`).
"""

from __future__ import annotations

import json
import logging
import queue
import re
import socket
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medallion_orchestrator.clock import Clock, SystemClock
from medallion_orchestrator.execution.results import RunResult, TaskResult, TaskStatus
from medallion_orchestrator.history.conflicts import is_creation_race, retry_on_conflict
from medallion_orchestrator.metadata.ddl import (
    add_columns_statement,
    create_statement,
    view_statement,
)
from medallion_orchestrator.tasks import SUCCEEDED, RunStatus

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse

logger = logging.getLogger(__name__)

RUNNING = RunStatus.RUNNING.value
_STOP = object()
HISTORY_TABLES = ("run_log", "task_run_log", "run_lock")
_COLUMN_EXISTS = re.compile(r"FIELD_ALREADY_EXISTS|DELTA_DUPLICATE_COLUMNS_FOUND")
COUNT_COLUMNS = {
    TaskStatus.SUCCESS: "succeeded",
    TaskStatus.FAILED: "failed",
    TaskStatus.TIMED_OUT: "timed_out",
    TaskStatus.SKIPPED: "skipped",
    TaskStatus.CANCELLED: "cancelled",
    TaskStatus.UP_TO_DATE: "up_to_date",
}
BUILD_STATE = "gold_build_state"


@dataclass(frozen=True)
class HistoryTables:
    """The three-level names of the history tables, beside the execution table."""

    catalog: str
    schema: str

    @classmethod
    def beside(cls, execution_table: str) -> HistoryTables:
        catalog, schema, _ = execution_table.split(".")
        return cls(catalog, schema)

    def name(self, table: str) -> str:
        return f"{self.catalog}.{self.schema}.{table}"


class RunHistory:
    def __init__(
        self,
        lakehouse: Lakehouse,
        tables: HistoryTables,
        ddl_dir: Path,
        clock: Clock | None = None,
    ) -> None:
        self.lakehouse = lakehouse
        self.tables = tables
        self.ddl_dir = ddl_dir
        self.clock = clock or SystemClock()  # waits between tries of a write that lost a race
        self._queue: queue.Queue[Any] = queue.Queue()
        self._writer: threading.Thread | None = None

    def physical(self, table: str) -> str:
        return self.lakehouse.table(self.tables.catalog, self.tables.schema, table)

    def ensure_tables(self) -> None:
        """Create what is missing, and add the columns a table of an older version lacks; safe
        while another process does the same (`medallion init` creates them, so two first runs
        started together need not)."""
        catalog, schema = self.tables.catalog, self.tables.schema
        self._retried(lambda: self.lakehouse.ensure_schema(catalog, schema), "history schema")
        for table in HISTORY_TABLES:
            statement = create_statement(self.ddl_dir / f"{table}.sql", self.tables.name(table))
            self._retried(lambda text=statement: self.lakehouse.sql(text), f"creating {table}")
            retry_on_conflict(
                lambda name=table: self._add_missing_columns(name),
                self.clock,
                f"adding columns to {table}",
                retryable=_column_race,
            )
        statement = view_statement(self.ddl_dir / f"{BUILD_STATE}.sql", catalog, schema)
        self._retried(lambda: self.lakehouse.sql(statement), f"creating {BUILD_STATE}")

    def _add_missing_columns(self, table: str) -> None:
        existing = self.lakehouse.spark.table(self.physical(table)).columns
        ddl = self.ddl_dir / f"{table}.sql"
        statement = add_columns_statement(ddl, self.tables.name(table), existing)
        if statement is not None:
            logger.info("%s: adding the columns of this version: %s", table, statement)
            self.lakehouse.sql(statement)

    def _retried(self, action: Callable[[], object], what: str) -> None:
        retry_on_conflict(action, self.clock, what, retryable=is_creation_race)

    # writing, as the run goes

    def start_run(
        self,
        run_id: str,
        layer: str,
        environment: str,
        started_at: datetime,
        repair_of: str | None,
        pinned_versions: str | None = None,
        max_workers: int | None = None,
        scheduler: str | None = None,
    ) -> None:
        row = {
            "pinned_versions": pinned_versions,
            "max_workers": max_workers,
            "scheduler": scheduler,
            "run_id": run_id,
            "layer": layer,
            "environment": environment,
            "status": RUNNING,
            "started_at": started_at,
            "repair_of": repair_of,
            "host": socket.gethostname(),
        }
        if self._writer is not None:
            raise RuntimeError(
                f"run {run_id}: this RunHistory writes another run's attempts "
                "(a run beside it takes for_another_run())"
            )
        self._append("run_log", [row])
        self._writer = threading.Thread(target=self._drain, name="medallion-history", daemon=True)
        self._writer.start()

    def for_another_run(self) -> RunHistory:
        """The same tables, with a writer of its own: for a run beside this one's."""
        return RunHistory(self.lakehouse, self.tables, self.ddl_dir, self.clock)

    def record_attempt(self, run_id: str, layer: str, result: TaskResult, attempt: int) -> None:
        self._queue.put(("task_run_log", attempt_row(run_id, layer, result, attempt)))

    def stop_writer(self) -> None:
        """Flush the attempts still queued and end the writer thread (idempotent)."""
        if self._writer is None:
            return
        self._queue.put(_STOP)
        self._writer.join()
        self._writer = None

    def finish_run(
        self, run_id: str, status: RunStatus, ended_at: datetime, run: RunResult | None = None
    ) -> None:
        """Flush the attempts, then close the run's row: its status, and counts when it ran."""
        try:
            self.stop_writer()
        finally:
            self._close_run(run_id, status, ended_at, run)

    def _close_run(
        self, run_id: str, status: RunStatus, ended_at: datetime, run: RunResult | None
    ) -> None:
        values: dict[str, Any] = {"status": status.value, "ended_at": ended_at, "run_id": run_id}
        if run is not None:
            counts = run_counts(run)
            values |= {"duration_seconds": run.duration_seconds, **counts}
            assignments = "".join(
                f"{column} = :{column}, " for column in ("duration_seconds", *counts)
            )
        else:  # it broke before the executor returned
            assignments = (
                "duration_seconds = (unix_micros(CAST(:ended_at AS TIMESTAMP)) "
                "- unix_micros(started_at)) / 1e6, "
            )
        statement = (
            f"UPDATE {self.physical('run_log')} SET {assignments}"
            "status = :status, ended_at = :ended_at WHERE run_id = :run_id"
        )
        retry_on_conflict(
            lambda: self.lakehouse.spark.sql(statement, args=values),
            self.clock,
            f"closing run {run_id} in run_log",
        )

    def mark_abandoned(self, run_id: str) -> None:
        retry_on_conflict(
            lambda: self.lakehouse.spark.sql(
                f"UPDATE {self.physical('run_log')} SET status = :abandoned "
                "WHERE run_id = :run_id AND status = :running",
                args={
                    "run_id": run_id,
                    "running": RUNNING,
                    "abandoned": RunStatus.ABANDONED.value,
                },
            ),
            self.clock,
            f"marking run {run_id} abandoned",
        )

    def _drain(self) -> None:
        done = False
        while not done:
            batch = [self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get())
            done = any(item is _STOP for item in batch)
            rows = [item[1] for item in batch if item is not _STOP]
            if rows:
                try:
                    self._append("task_run_log", rows)
                    for row in rows:
                        logger.debug("task_run_log: recorded %s %s", row["task"], row["status"])
                except Exception:
                    logger.exception(
                        "could not write %d task attempt(s) to task_run_log", len(rows)
                    )

    def _append(self, table: str, rows: list[dict[str, Any]]) -> None:
        target = self.physical(table)
        schema = self.lakehouse.spark.table(target).schema
        values = [tuple(row.get(field.name) for field in schema.fields) for row in rows]
        frame = self.lakehouse.spark.createDataFrame(values, schema)
        frame.write.format("delta").mode("append").saveAsTable(target)

    # reading

    def runs(self, last: int = 10) -> list[dict[str, Any]]:
        frame = self.lakehouse.spark.table(self.physical("run_log"))
        return [
            row.asDict() for row in frame.orderBy(frame.started_at.desc()).limit(last).collect()
        ]

    def run(self, run_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        runs = self.lakehouse.spark.sql(
            f"SELECT * FROM {self.physical('run_log')} WHERE run_id = :run_id",
            args={"run_id": run_id},
        ).collect()
        attempts = self.lakehouse.spark.sql(
            f"SELECT * FROM {self.physical('task_run_log')} WHERE run_id = :run_id "
            "ORDER BY started_at NULLS LAST, task, attempt",
            args={"run_id": run_id},
        ).collect()
        return (runs[0].asDict() if runs else None), [row.asDict() for row in attempts]

    def succeeded_tasks(self, run_id: str) -> set[str]:
        """Tasks that succeeded in the run or in the runs it repaired, transitively."""
        succeeded: set[str] = set()
        seen: set[str] = set()
        current: str | None = run_id
        while current is not None and current not in seen:
            seen.add(current)
            run, attempts = self.run(current)
            succeeded |= {a["task"] for a in attempts if a["status"] in SUCCEEDED}
            current = run["repair_of"] if run else None
        return succeeded

    def durations(self, layer: str, last_runs: int = 10) -> dict[str, list[float]]:
        """Past successful durations per task, for longest-first scheduling."""
        if not self.lakehouse.spark.catalog.tableExists(self.physical("task_run_log")):
            return {}
        rows = self.lakehouse.spark.sql(
            f"SELECT task, duration_seconds FROM {self.physical('task_run_log')} "
            "WHERE layer = :layer AND status = 'SUCCESS' ORDER BY ended_at DESC",
            args={"layer": layer},
        ).collect()
        durations: dict[str, list[float]] = defaultdict(list)
        for row in rows:
            if len(durations[row["task"]]) < last_runs:
                durations[row["task"]].append(float(row["duration_seconds"]))
        return dict(durations)


def _column_race(error: BaseException) -> bool:
    """Another process added the same columns first: trying again finds nothing to add."""
    return is_creation_race(error) or bool(_COLUMN_EXISTS.search(str(error)))


def run_counts(run: RunResult) -> dict[str, int]:
    """run_log's count columns: the total, and one per task status (so they add up to it)."""
    counts = run.counts
    return {"total_tasks": len(run.results)} | {
        COUNT_COLUMNS[status]: counts[status] for status in TaskStatus
    }


def attempt_row(run_id: str, layer: str, result: TaskResult, attempt: int) -> dict[str, Any]:
    """One task_run_log row: the attempt's result, typed fields included."""
    return {
        "run_id": run_id,
        "layer": layer,
        "task": result.key,
        "notebook": result.notebook,
        "execution_order": result.execution_order,
        "status": result.status.value,
        "attempt": attempt,
        "started_at": result.started_at,
        "ended_at": result.ended_at,
        "duration_seconds": result.duration_seconds,
        "message": result.message,
        "error": result.error,
        "rows_written": _int(result.rows_written),
        "target_version": _int(result.target_version),
        "error_class": result.error_class,
        "transient": result.transient,
        "build": json.dumps(dict(build), sort_keys=True) if (build := result.build) else None,
    }


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
