"""Runs a task's notebook in this process, with the same files that run on Databricks."""

from __future__ import annotations

from medallion_orchestrator.execution.results import TaskOutcome, TaskStatus
from medallion_orchestrator.local.dbutils import NotebookTimedOut, WorkflowException
from medallion_orchestrator.local.engine import LocalNotebookEngine, NotebookFailed
from medallion_orchestrator.planning import NotebookTask
from medallion_orchestrator.runners.base import outcome_from_exit_value


class LocalNotebookRunner:
    def __init__(self, engine: LocalNotebookEngine) -> None:
        self.engine = engine

    def run(self, task: NotebookTask) -> TaskOutcome:
        try:
            value = self.engine.run(task.notebook, task.arguments, task.timeout_seconds)
        except NotebookTimedOut as timed_out:
            return TaskOutcome(
                TaskStatus.TIMED_OUT, str(timed_out), "its Spark jobs were cancelled"
            )
        except NotebookFailed as failed:
            return TaskOutcome(TaskStatus.FAILED, str(failed), failed.details)
        except WorkflowException as error:
            return TaskOutcome(TaskStatus.FAILED, str(error), str(error))
        return outcome_from_exit_value(value)
