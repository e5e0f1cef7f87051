"""Hand-written fakes of the package's own interfaces, shared by the tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from itertools import groupby
from typing import Any

from medallion_orchestrator.execution.results import TaskOutcome, TaskResult, TaskStatus
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.planning import Batch, NotebookTask, Plan

_START = datetime(2024, 1, 1, tzinfo=timezone.utc)


class FakeClock:
    """A Clock whose sleep only advances its counter, so retry and timeout tests never wait."""

    def __init__(self, start: datetime = _START) -> None:
        self._start = start
        self._elapsed = 0.0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._elapsed += max(seconds, 0.0)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._elapsed += seconds


# A script step for ScriptedRunner: return this outcome, raise this exception, wait for this
# event (then succeed), or call this function with the task.
Step = TaskOutcome | BaseException | threading.Event | Callable[[NotebookTask], TaskOutcome]


class ScriptedRunner:
    """A Runner whose answer per task key is scripted; records every call and peak concurrency.

    Unscripted keys succeed. A step that waits gives up after `wait_seconds` (a safety net so a
    broken test fails instead of hanging; tests never rely on it).
    """

    def __init__(self, script: Mapping[str, Step] | None = None, wait_seconds: float = 5.0) -> None:
        self.script: dict[str, Step] = dict(script or {})
        self.wait_seconds = wait_seconds
        self.calls: list[NotebookTask] = []
        self.threads: set[str] = set()
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    @property
    def keys(self) -> list[str]:
        with self._lock:
            return [task.key for task in self.calls]

    def run(self, task: NotebookTask) -> TaskOutcome:
        with self._changed:
            self.calls.append(task)
            self.threads.add(threading.current_thread().name)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self._changed.notify_all()
        try:
            return self._play(task, self.script.get(task.key))
        finally:
            with self._changed:
                self.active -= 1
                self._changed.notify_all()

    def wait_for_calls(self, count: int) -> None:
        """Block until `count` tasks have started (or fail after `wait_seconds`)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.calls) >= count, self.wait_seconds):
                raise AssertionError(f"only {len(self.calls)} of {count} tasks started")

    def _play(self, task: NotebookTask, step: Step | None) -> TaskOutcome:
        if step is None:
            return TaskOutcome(TaskStatus.SUCCESS, f"ran {task.key}")
        if isinstance(step, TaskOutcome):
            return step
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, threading.Event):
            if not step.wait(self.wait_seconds):
                raise TimeoutError(f"the event {task.key} waits for was never set")
            return TaskOutcome(TaskStatus.SUCCESS, f"ran {task.key}")
        return step(task)


# A scripted exit of FakeDbutils.notebook.run: the exit value, or an exception to raise.
NotebookExitStep = str | None | BaseException


class FakeNotebookUtils:
    def __init__(self, exits: Mapping[str, NotebookExitStep], default: NotebookExitStep) -> None:
        self.exits = dict(exits)
        self.default = default
        self.calls: list[tuple[str, int, dict[str, str]]] = []

    def run(
        self, path: str, timeout_seconds: int, arguments: Mapping[str, str] | None = None
    ) -> str | None:
        self.calls.append((path, timeout_seconds, dict(arguments or {})))
        step = self.exits.get(path, self.default)
        if isinstance(step, BaseException):
            raise step
        return step

    def exit(self, value: str) -> None:
        raise AssertionError(f"FakeDbutils.notebook.exit({value!r}) called outside a notebook")


class FakeDbutils:
    """Just enough of Databricks' `dbutils` for a runner: notebook.run scripted per path."""

    def __init__(
        self, exits: Mapping[str, NotebookExitStep] | None = None, default: NotebookExitStep = ""
    ) -> None:
        self.notebook = FakeNotebookUtils(exits or {}, default)


def task_row(**columns: Any) -> TaskRow:
    """A valid, active scd1 row of bronze_to_silver; keyword arguments replace its columns."""
    values: dict[str, Any] = {
        "src_system": "shop",
        "src_catalog": "dev_bronze",
        "src_table_name": "customers",
        "src_schema": "shop",
        "load_type": "cdc",
        "dst_catalog": "dev_silver",
        "dst_table_name": "customers",
        "dst_schema": "shop",
        "layer": "bronze_to_silver",
        "is_active_flag": True,
        "execution_order": 1,
        "execution_pipeline": "scd1",
        "business_key_columns": ("customer_id",),
    }
    values.update(columns)
    return TaskRow(**values)


def notebook_task(
    key: str, order: int = 1, depends_on: tuple[str, ...] | None = None
) -> NotebookTask:
    return NotebookTask(key, f"nb/{key}", order, 60, depends_on=depends_on)


def plan_of(*tasks: NotebookTask, layer: str = "bronze_to_silver") -> Plan:
    """The plan of these tasks as the planner makes it: batches by order, keys sorted."""
    ordered = sorted(tasks, key=lambda task: (task.execution_order, task.key))
    return Plan(
        layer,
        tuple(
            Batch(order, tuple(group))
            for order, group in groupby(ordered, key=lambda task: task.execution_order)
        ),
    )


def statuses(results: tuple[TaskResult, ...]) -> dict[str, TaskStatus]:
    return {result.key: result.status for result in results}


class Interrupted(BaseException):
    """Not an Exception: what stops a worker, as KeyboardInterrupt would."""


class ConcurrentAppendException(Exception):
    """Named as delta-spark's Python class is: only its name and text matter to a classifier."""


def taking(clock: FakeClock, seconds: float) -> Callable[[NotebookTask], TaskOutcome]:
    """A ScriptedRunner step that succeeds once `seconds` have passed on `clock`."""

    def step(_: NotebookTask) -> TaskOutcome:
        clock.advance(seconds)
        return TaskOutcome(TaskStatus.SUCCESS, "ok")

    return step
