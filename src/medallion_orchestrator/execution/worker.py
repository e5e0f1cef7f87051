"""One task on a worker thread: run it, never raise, publish its result to the listeners."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from medallion_orchestrator.clock import Clock
from medallion_orchestrator.tasks import (
    NotebookTask,
    ResultListener,
    Runner,
    TaskOutcome,
    TaskResult,
    TaskStatus,
    first_line,
    outcome_from_exception,
    run_guarded,
)

__all__ = ["ResultListener", "lost_task", "publish", "run_task", "skip_task"]

logger = logging.getLogger(__name__)


def run_task(
    runner: Runner, clock: Clock, task: NotebookTask, listeners: Sequence[ResultListener]
) -> TaskResult:
    """The task's result; whatever the runner raises becomes a FAILED result."""
    started_at, start = clock.now(), clock.monotonic()
    outcome = run_guarded(runner, task)  # a worker never raises
    result = TaskResult.of(task, outcome, started_at, clock.now(), clock.monotonic() - start)
    publish(result, listeners)
    return result


def lost_task(task: NotebookTask, raised: BaseException) -> TaskResult:
    """A FAILED result for a task whose worker broke outside the runner (a broken listener)."""
    outcome = outcome_from_exception(raised, message=f"the worker broke: {first_line(raised)}")
    return TaskResult.of(task, outcome, None, None, 0.0)


def skip_task(task: NotebookTask, reason: str, listeners: Sequence[ResultListener]) -> TaskResult:
    result = TaskResult.of(
        task, TaskOutcome(TaskStatus.SKIPPED, reason, attempts=0), None, None, 0.0
    )
    publish(result, listeners)
    return result


def publish(result: TaskResult, listeners: Sequence[ResultListener]) -> None:
    """Tell each listener (a run's progress logs the result's line)."""
    for listener in listeners:
        try:
            listener(result)
        except Exception:
            logger.exception("result listener failed for %s", result.key)
