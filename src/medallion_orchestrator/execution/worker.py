"""One task on a worker thread: run it, never raise, publish its result to the listeners."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence

from medallion_orchestrator.clock import Clock
from medallion_orchestrator.execution.results import TaskResult, TaskStatus
from medallion_orchestrator.planning import NotebookTask
from medallion_orchestrator.runners.base import Runner

logger = logging.getLogger(__name__)

ResultListener = Callable[[TaskResult], None]


def run_task(
    runner: Runner, clock: Clock, task: NotebookTask, listeners: Sequence[ResultListener]
) -> TaskResult:
    """The task's result; whatever the runner raises becomes a FAILED result."""
    started_at, start = clock.now(), clock.monotonic()
    try:
        outcome = runner.run(task)
        status, message, error, output = (
            outcome.status,
            outcome.message,
            outcome.error,
            outcome.output,
        )
    except BaseException as raised:  # a worker never raises
        status, output = TaskStatus.FAILED, {}
        message = f"{type(raised).__name__}: {raised}".splitlines()[0]
        error = "".join(traceback.format_exception(raised))
    result = TaskResult(
        key=task.key,
        notebook=task.notebook,
        execution_order=task.execution_order,
        status=status,
        message=message,
        started_at=started_at,
        ended_at=clock.now(),
        duration_seconds=clock.monotonic() - start,
        error=error,
        output=output,
    )
    publish(result, listeners)
    return result


def lost_task(task: NotebookTask, raised: BaseException) -> TaskResult:
    """A FAILED result for a task whose worker broke outside the runner (a broken listener)."""
    return TaskResult(
        key=task.key,
        notebook=task.notebook,
        execution_order=task.execution_order,
        status=TaskStatus.FAILED,
        message=f"the worker broke: {type(raised).__name__}: {raised}".splitlines()[0],
        started_at=None,
        ended_at=None,
        duration_seconds=0.0,
        error="".join(traceback.format_exception(raised)),
    )


def skip_task(task: NotebookTask, reason: str, listeners: Sequence[ResultListener]) -> TaskResult:
    result = TaskResult(
        key=task.key,
        notebook=task.notebook,
        execution_order=task.execution_order,
        status=TaskStatus.SKIPPED,
        message=reason,
        started_at=None,
        ended_at=None,
        duration_seconds=0.0,
    )
    publish(result, listeners)
    return result


def publish(result: TaskResult, listeners: Sequence[ResultListener]) -> None:
    logger.log(
        logging.INFO if result.succeeded else logging.ERROR,
        "%-9s %s (%.1fs) %s",
        result.status,
        result.key,
        result.duration_seconds,
        result.message,
    )
    for listener in listeners:
        try:
            listener(result)
        except Exception:
            logger.exception("result listener failed for %s", result.key)
