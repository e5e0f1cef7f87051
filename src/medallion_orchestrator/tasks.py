"""The task vocabulary every layer speaks: the task, statuses, outcome, result, runner, listener.

Contract: this module is at the bottom of the package. `execution`, `runners` and `history` import
it; it imports none of them. A runner turns a `NotebookTask` into a `TaskOutcome`; the executor
turns that into a `TaskResult` (times added) and hands it to the `ResultListener`s. Exceptions
become outcomes in one place, `outcome_from_exception`, and are classified transient by
`transient.is_transient`.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from medallion_orchestrator.transient import is_transient

NOT_STARTED = "not started: the run was stopped"
TRACEBACK_LIMIT = 64 * 1024  # characters of a traceback kept: far below an exit value's 5 MB


class TaskStatus(StrEnum):
    SUCCESS = "SUCCESS"
    UP_TO_DATE = "UP_TO_DATE"  # a gold build skipped: its SQL and inputs are as last built
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    SKIPPED = "SKIPPED"
    CANCELLED = "CANCELLED"


SUCCEEDED = frozenset({TaskStatus.SUCCESS, TaskStatus.UP_TO_DATE})


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"  # stopped (Ctrl-C, SIGTERM): what ran was cancelled, the rest not run
    ABANDONED = "ABANDONED"


@dataclass(frozen=True)
class NotebookTask:
    """One unit of work for a runner: a notebook, its arguments and its time budget.

    `depends_on` names the task keys it waits for; None keeps the execution_order rule.
    """

    key: str
    notebook: str
    execution_order: int
    timeout_seconds: int
    arguments: Mapping[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] | None = None
    max_retries: int | None = None


@dataclass(frozen=True)
class LoadReport:
    """What a load did to its target: rows written and the Delta version it left."""

    target: str | None = None
    rows_written: int | None = None
    target_version: int | None = None
    message: str = ""
    build: Mapping[str, Any] | None = None  # a gold build's ledger entry (loaders/gold_build.py)
    up_to_date: bool = False  # nothing was written: the target is as its last build left it

    def fields(self) -> dict[str, Any]:
        fields = {
            "target": self.target,
            "rows_written": self.rows_written,
            "target_version": self.target_version,
            "message": self.message,
        }
        return fields | ({"build": dict(self.build)} if self.build is not None else {})


@dataclass(frozen=True)
class TaskOutcome:
    """What a runner reports for one task. `output` holds what else was reported, for people
    (extra exit-value keys, the Databricks run id and page); code reads the typed fields."""

    status: TaskStatus
    message: str = ""
    error: str | None = None
    output: Mapping[str, Any] = field(default_factory=dict)
    error_class: str | None = None
    transient: bool = False
    attempts: int = 1
    load: LoadReport | None = None


@dataclass(frozen=True)
class TaskResult:
    key: str
    notebook: str
    execution_order: int
    status: TaskStatus
    message: str
    started_at: datetime | None
    ended_at: datetime | None
    duration_seconds: float
    error: str | None = None
    output: Mapping[str, Any] = field(default_factory=dict)
    error_class: str | None = None
    transient: bool = False
    attempts: int = 1
    load: LoadReport | None = None

    @classmethod
    def of(
        cls,
        task: NotebookTask,
        outcome: TaskOutcome,
        started_at: datetime | None,
        ended_at: datetime | None,
        duration_seconds: float,
    ) -> TaskResult:
        return cls(
            key=task.key,
            notebook=task.notebook,
            execution_order=task.execution_order,
            status=outcome.status,
            message=outcome.message,
            started_at=started_at,
            ended_at=ended_at,
            duration_seconds=duration_seconds,
            error=outcome.error,
            output=outcome.output,
            error_class=outcome.error_class,
            transient=outcome.transient,
            attempts=outcome.attempts,
            load=outcome.load,
        )

    @property
    def succeeded(self) -> bool:
        return self.status in SUCCEEDED

    @property
    def rows_written(self) -> int | None:
        return self.load.rows_written if self.load else None

    @property
    def target_version(self) -> int | None:
        return self.load.target_version if self.load else None

    @property
    def build(self) -> Mapping[str, Any] | None:
        return self.load.build if self.load else None

    def to_dict(self) -> dict[str, Any]:
        """The result as the orchestrator notebook's exit JSON carries it (keys only added)."""
        load = self.load.fields() if self.load else {}
        return {
            "key": self.key,
            "notebook": self.notebook,
            "execution_order": self.execution_order,
            "status": self.status.value,
            "message": self.message,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "duration_seconds": round(self.duration_seconds, 3),
            "error": self.error,
            "output": {**self.output, **load, "attempts": self.attempts},
            "error_class": self.error_class,
            "transient": self.transient,
            "attempts": self.attempts,
        }


class Runner(Protocol):
    def run(self, task: NotebookTask) -> TaskOutcome:
        """Run the task within its timeout; may raise (`run_guarded` turns that into FAILED)."""
        ...


class ResultListener(Protocol):
    def __call__(self, result: TaskResult) -> None:
        """Told of every task result as it ends (skipped ones too); must not block for long."""
        ...


def bounded_traceback(error: BaseException, limit: int = TRACEBACK_LIMIT) -> str:
    """The formatted traceback, its middle cut when longer than `limit` characters."""
    text = "".join(traceback.format_exception(error))
    if len(text) <= limit:
        return text
    cut = "\n... [traceback cut to its first and last lines] ...\n"
    head = (limit - len(cut)) // 2
    return text[:head] + cut + text[-(limit - len(cut) - head) :]


def first_line(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return text.splitlines()[0][:1000]


def outcome_from_exception(
    error: BaseException, status: TaskStatus = TaskStatus.FAILED, message: str | None = None
) -> TaskOutcome:
    """The one place an exception becomes an outcome: class, first line, bounded traceback."""
    return TaskOutcome(
        status,
        message if message is not None else first_line(error),
        bounded_traceback(error),
        error_class=type(error).__name__,
        transient=status is TaskStatus.FAILED and is_transient(error),
    )


def run_guarded(
    runner: Runner, task: NotebookTask, catching: type[BaseException] = BaseException
) -> TaskOutcome:
    """The runner's outcome; what it raises (of `catching`) becomes a FAILED outcome."""
    try:
        return runner.run(task)
    except catching as raised:
        return outcome_from_exception(raised)
