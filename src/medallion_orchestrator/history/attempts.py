"""Turns each task attempt (retried ones too) into a task_run_log row.

Each row carries its own attempt's start and end: the final attempt of a retried task starts
where that attempt started (`attempt_started`, noted by the runner), not at the task's first
start, so its duration holds neither the failed attempts nor the backoff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from medallion_orchestrator.history.run_log import RunHistory
from medallion_orchestrator.tasks import NotebookTask, TaskOutcome, TaskResult


class AttemptRecorder:
    def __init__(
        self,
        history: RunHistory,
        run_id: str,
        layer: str,
        attempt_started: Mapping[str, datetime] | None = None,
    ) -> None:
        self.history = history
        self.run_id = run_id
        self.layer = layer
        self.attempt_started = attempt_started if attempt_started is not None else {}

    def record_result(self, result: TaskResult) -> None:
        attempt = result.attempts if result.started_at else 0
        started_at = self.attempt_started.get(result.key)
        if attempt > 1 and started_at is not None and result.ended_at is not None:
            duration = max(0.0, (result.ended_at - started_at).total_seconds())
            result = replace(result, started_at=started_at, duration_seconds=duration)
        self.history.record_attempt(self.run_id, self.layer, result, attempt)

    def record_failed_attempt(
        self,
        task: NotebookTask,
        outcome: TaskOutcome,
        attempt: int,
        started_at: datetime,
        ended_at: datetime,
    ) -> None:
        outcome = replace(outcome, message=f"attempt {attempt} (will retry): {outcome.message}")
        duration = (ended_at - started_at).total_seconds()
        result = TaskResult.of(
            task, replace(outcome, attempts=attempt), started_at, ended_at, duration
        )
        self.history.record_attempt(self.run_id, self.layer, result, attempt)
