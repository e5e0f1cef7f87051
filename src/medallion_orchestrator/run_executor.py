"""The one place a run's executor is made: the chosen scheduler's, with the request's workers
(else the environment's), retrying each task as the environment says, on the application's
clock and stopped by its cancellation. A run never builds an executor of its own, so a test
that swaps the clock (`app.replace(clock=FakeClock(...))`) reaches every wait of the run."""

from __future__ import annotations

from collections.abc import Sequence

from medallion_orchestrator.application import Application
from medallion_orchestrator.execution.cancellation import StoppableClock
from medallion_orchestrator.execution.executor import BatchExecutor
from medallion_orchestrator.execution.ready_queue import ReadyQueueExecutor
from medallion_orchestrator.execution.worker import ResultListener
from medallion_orchestrator.priorities import PastDurations
from medallion_orchestrator.run_request import RunRequest, Scheduler
from medallion_orchestrator.runners.retrying import AttemptListener, RetryingRunner, RetryPolicy
from medallion_orchestrator.tasks import Runner

Executor = BatchExecutor | ReadyQueueExecutor


def workers_for(app: Application, request: RunRequest) -> int:
    return request.max_workers or app.environment.max_workers


def executor_for(
    app: Application,
    request: RunRequest,
    chosen: Scheduler,
    runner: Runner,
    past_durations: PastDurations,
    listeners: Sequence[ResultListener],
    on_failed_attempt: AttemptListener | None = None,
) -> Executor:
    """`listeners` hear of each result, in order; `on_failed_attempt` of each attempt retried."""
    clock = StoppableClock(app.clock, app.cancellation)
    policy = RetryPolicy(app.environment.max_retries, app.environment.retry_delay_seconds)
    retrying = RetryingRunner(runner, policy, clock, on_failed_attempt)
    workers = workers_for(app, request)
    if chosen is Scheduler.DAG:
        return ReadyQueueExecutor(
            retrying,
            max_workers=workers,
            continue_on_failure=request.continue_on_failure,
            past_durations=past_durations,
            clock=app.clock,
            listeners=[*listeners],
            cancellation=app.cancellation,
        )
    return BatchExecutor(
        retrying,
        max_workers=workers,
        continue_on_failure=request.continue_on_failure,
        clock=app.clock,
        listeners=[*listeners],
        cancellation=app.cancellation,
    )
