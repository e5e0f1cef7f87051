"""Runs a task's notebook with `dbutils.notebook.run`, as the orchestrator notebook does."""

from __future__ import annotations

from typing import Any

from medallion_orchestrator.execution.results import TaskOutcome, TaskStatus
from medallion_orchestrator.planning import NotebookTask
from medallion_orchestrator.runners.base import outcome_from_exit_value

_TIMEOUT_MARKERS = ("timed out", "timedout")


class DbutilsNotebookRunner:
    """`notebooks_root` is how the calling notebook reaches notebooks/, e.g. `..`."""

    def __init__(self, dbutils: Any, notebooks_root: str = "..") -> None:
        self.dbutils = dbutils
        self.notebooks_root = notebooks_root.rstrip("/")

    def run(self, task: NotebookTask) -> TaskOutcome:
        path = f"{self.notebooks_root}/{task.notebook}"
        try:
            value = self.dbutils.notebook.run(path, task.timeout_seconds, dict(task.arguments))
        except Exception as error:
            text = str(error)
            status = (
                TaskStatus.TIMED_OUT
                if any(marker in text.lower() for marker in _TIMEOUT_MARKERS)
                else TaskStatus.FAILED
            )
            details = getattr(error, "details", "") or text
            return TaskOutcome(
                status, text.splitlines()[0] if text else type(error).__name__, details
            )
        return outcome_from_exit_value(value)
