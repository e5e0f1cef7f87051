"""Retries around any runner: only transient errors, with exponential backoff.

A Delta concurrent-modification conflict, a lost Spark executor or Databricks throttling is
worth another attempt; a wrong column is not, and fails at once. Which is which is decided where
the error was raised (`transient.is_transient`, in the child notebook or in `run_guarded`); this
runner reads the outcome's `transient` flag.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from medallion_orchestrator.clock import Clock, SystemClock
from medallion_orchestrator.tasks import NotebookTask, Runner, TaskOutcome, TaskStatus, run_guarded

AttemptListener = Callable[[NotebookTask, TaskOutcome, int, datetime, datetime], None]


def is_transient(outcome: TaskOutcome) -> bool:
    """Worth another attempt: a FAILED outcome flagged transient where the error was raised."""
    return outcome.status is TaskStatus.FAILED and outcome.transient


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    first_delay_seconds: float = 10.0
    max_delay_seconds: float = 300.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1, 2, ...)."""
        return min(self.first_delay_seconds * 2 ** (attempt - 1), self.max_delay_seconds)


class RetryingRunner:
    def __init__(
        self,
        runner: Runner,
        policy: RetryPolicy | None = None,
        clock: Clock | None = None,
        on_failed_attempt: AttemptListener | None = None,
    ) -> None:
        self.runner = runner
        self.policy = policy or RetryPolicy()
        self.clock = clock or SystemClock()
        self.on_failed_attempt = on_failed_attempt

    def run(self, task: NotebookTask) -> TaskOutcome:
        retries = self.policy.max_retries if task.max_retries is None else task.max_retries
        attempt = 1
        while True:
            started_at = self.clock.now()
            outcome = run_guarded(self.runner, task, Exception)  # an interruption goes up
            last = attempt > retries or not is_transient(outcome)
            if last:
                return replace(outcome, attempts=attempt)
            if self.on_failed_attempt is not None:
                self.on_failed_attempt(task, outcome, attempt, started_at, self.clock.now())
            self.clock.sleep(self.policy.delay(attempt))
            attempt += 1
