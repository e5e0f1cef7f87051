"""Turns each task attempt (retried ones too) into a task_run_log row."""

from __future__ import annotations

from datetime import datetime

from medallion_orchestrator.execution.results import TaskOutcome, TaskResult
from medallion_orchestrator.history.run_log import RunHistory
from medallion_orchestrator.planning import NotebookTask


class AttemptRecorder:
    def __init__(self, history: RunHistory, run_id: str, layer: str) -> None:
        self.history = history
        self.run_id = run_id
        self.layer = layer

    def record_result(self, result: TaskResult) -> None:
        attempt = int(result.output.get("attempts", 1)) if result.started_at else 0
        self.history.record_attempt(self.run_id, self.layer, result, attempt)

    def record_failed_attempt(
        self,
        task: NotebookTask,
        outcome: TaskOutcome,
        attempt: int,
        started_at: datetime,
        ended_at: datetime,
    ) -> None:
        result = TaskResult(
            key=task.key,
            notebook=task.notebook,
            execution_order=task.execution_order,
            status=outcome.status,
            message=f"attempt {attempt} (will retry): {outcome.message}",
            started_at=started_at,
            ended_at=ended_at,
            duration_seconds=(ended_at - started_at).total_seconds(),
            error=outcome.error,
            output=outcome.output,
        )
        self.history.record_attempt(self.run_id, self.layer, result, attempt)
