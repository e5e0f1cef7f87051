"""Runs a task's notebook with `dbutils.notebook.run`, as the orchestrator notebook does."""

from __future__ import annotations

from typing import Any

from medallion_orchestrator.runners.base import notebook_outcome
from medallion_orchestrator.tasks import NotebookTask, TaskOutcome


class DbutilsNotebookRunner:
    """`notebooks_root` is how the calling notebook reaches notebooks/, e.g. `..`."""

    def __init__(self, dbutils: Any, notebooks_root: str = "..") -> None:
        self.dbutils = dbutils
        self.notebooks_root = notebooks_root.rstrip("/")

    def run(self, task: NotebookTask) -> TaskOutcome:
        path = f"{self.notebooks_root}/{task.notebook}"
        arguments = dict(task.arguments)
        return notebook_outcome(
            task, lambda: self.dbutils.notebook.run(path, task.timeout_seconds, arguments)
        )
