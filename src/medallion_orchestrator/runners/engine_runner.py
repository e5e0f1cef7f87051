"""Runs a task's notebook in this process, with the same files that run on Databricks.

The engine fails as Databricks does (a child's error is not in the exception), so a result is
read the way `DbutilsNotebookRunner` reads it: from the exit value.

Once stopped, the runner stays stopped: a task that reaches it afterwards does not start, and
one that was on its way into the engine when the stop came is cancelled as soon as it is there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from medallion_orchestrator.notebook_engine.engine import LocalNotebookEngine
from medallion_orchestrator.runners.base import notebook_outcome
from medallion_orchestrator.tasks import NOT_STARTED, NotebookTask, TaskOutcome, TaskStatus

CANCEL_POLL_SECONDS = 0.5


class LocalNotebookRunner:
    """Runs each task's notebook on the local engine. `user_names` turns the local names in a
    task's error (`dev_silver__crm`) back into the user's (`dev_silver.crm`)."""

    def __init__(self, engine: LocalNotebookEngine, user_names: Callable[[str], str] = str) -> None:
        self.engine = engine
        self.user_names = user_names
        self._lock = threading.Lock()
        self._stopped = False
        self._entering = 0  # runs between the stop check and their end

    def cancel_running(self) -> None:
        """The run was stopped: cancel the running notebooks' Spark jobs until none runs
        (a job a notebook starts after one pass is cancelled by the next)."""
        with self._lock:
            self._stopped = True
        while self.engine.cancel_running() or self._entering:
            time.sleep(CANCEL_POLL_SECONDS)

    def run(self, task: NotebookTask) -> TaskOutcome:
        with self._lock:
            if self._stopped:
                return TaskOutcome(TaskStatus.CANCELLED, NOT_STARTED, attempts=0)
            self._entering += 1
        try:
            outcome = notebook_outcome(
                task, lambda: self.engine.run(task.notebook, task.arguments, task.timeout_seconds)
            )
            return replace(
                outcome,
                message=self.user_names(outcome.message),
                error=None if outcome.error is None else self.user_names(outcome.error),
            )
        finally:
            with self._lock:
                self._entering -= 1
