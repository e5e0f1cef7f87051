"""How a plan runs: each batch fans out over a thread pool; worker threads never raise."""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from medallion_orchestrator.clock import Clock, SystemClock
from medallion_orchestrator.execution.results import RunResult, TaskResult, TaskStatus
from medallion_orchestrator.planning import Batch, NotebookTask, Plan
from medallion_orchestrator.runners.base import Runner

logger = logging.getLogger(__name__)

ResultListener = Callable[[TaskResult], None]


@dataclass
class BatchExecutor:
    runner: Runner
    max_workers: int = 5
    continue_on_failure: bool = False
    clock: Clock = field(default_factory=SystemClock)
    listeners: list[ResultListener] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {self.max_workers}")

    def execute(self, plan: Plan, run_id: str | None = None) -> RunResult:
        run_id = run_id or uuid.uuid4().hex[:12]
        started_at = self.clock.now()
        results: list[TaskResult] = []
        blocker: str | None = None
        with ThreadPoolExecutor(self.max_workers, thread_name_prefix="medallion-task") as pool:
            for number, batch in enumerate(plan.batches, start=1):
                if blocker is not None:
                    results += [self._skipped(task, blocker) for task in batch.tasks]
                    continue
                logger.info(
                    "batch %d/%d (execution_order %d): %d task(s)",
                    number,
                    len(plan.batches),
                    batch.execution_order,
                    len(batch.tasks),
                )
                batch_results = self._run_batch(pool, batch)
                results += batch_results
                failed = [result.key for result in batch_results if not result.succeeded]
                if failed and not self.continue_on_failure:
                    blocker = (
                        f"not started: batch {number} (execution_order {batch.execution_order}) "
                        f"had {len(failed)} task(s) not succeed: {', '.join(failed)}"
                    )
        return RunResult(run_id, plan.layer, started_at, self.clock.now(), tuple(results))

    def _run_batch(self, pool: ThreadPoolExecutor, batch: Batch) -> list[TaskResult]:
        futures: list[Future[TaskResult]] = [
            pool.submit(self._run_task, task) for task in batch.tasks
        ]
        return [future.result() for future in futures]

    def _run_task(self, task: NotebookTask) -> TaskResult:
        started_at, start = self.clock.now(), self.clock.monotonic()
        try:
            outcome = self.runner.run(task)
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
            ended_at=self.clock.now(),
            duration_seconds=self.clock.monotonic() - start,
            error=error,
            output=output,
        )
        self._publish(result)
        return result

    def _skipped(self, task: NotebookTask, reason: str) -> TaskResult:
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
        self._publish(result)
        return result

    def _publish(self, result: TaskResult) -> None:
        logger.log(
            logging.INFO if result.succeeded else logging.ERROR,
            "%-9s %s (%.1fs) %s",
            result.status,
            result.key,
            result.duration_seconds,
            result.message,
        )
        for listener in self.listeners:
            try:
                listener(result)
            except Exception:
                logger.exception("result listener failed for %s", result.key)
