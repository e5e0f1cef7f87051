"""Retries around any runner: only transient errors, with exponential backoff.

A Delta concurrent-modification conflict, a lost Spark executor or Databricks throttling is
worth another attempt; a wrong column is not, and fails at once.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from medallion_orchestrator.clock import Clock, SystemClock
from medallion_orchestrator.execution.results import TaskOutcome, TaskStatus
from medallion_orchestrator.planning import NotebookTask
from medallion_orchestrator.runners.base import Runner

TRANSIENT = re.compile(
    r"Concurrent(Append|DeleteRead|DeleteDelete|Transaction|Write)Exception"
    r"|MetadataChangedException|ProtocolChangedException|DELTA_CONCURRENT_"
    r"|ExecutorLostFailure|Lost executor|SparkConnectGrpcException.*UNAVAILABLE"
    r"|Too Many Requests|Service Unavailable|\bHTTP\s*(429|503)\b|status(?: code)?[ :=]*(429|503)\b"
    r"|TEMPORARILY_UNAVAILABLE|REQUEST_LIMIT_EXCEEDED",
)

AttemptListener = Callable[[NotebookTask, TaskOutcome, int, datetime, datetime], None]


def is_transient(outcome: TaskOutcome) -> bool:
    if outcome.status is not TaskStatus.FAILED:
        return False
    return bool(TRANSIENT.search(f"{outcome.message}\n{outcome.error or ''}"))


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
            outcome = self._attempt(task)
            last = attempt > retries or not is_transient(outcome)
            if last:
                return replace(outcome, output={**outcome.output, "attempts": attempt})
            if self.on_failed_attempt is not None:
                self.on_failed_attempt(task, outcome, attempt, started_at, self.clock.now())
            self.clock.sleep(self.policy.delay(attempt))
            attempt += 1

    def _attempt(self, task: NotebookTask) -> TaskOutcome:
        try:
            return self.runner.run(task)
        except Exception as raised:
            message = f"{type(raised).__name__}: {raised}".splitlines()[0]
            return TaskOutcome(
                TaskStatus.FAILED, message, "".join(traceback.format_exception(raised))
            )
