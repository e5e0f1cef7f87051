"""How a plan runs in batches: each fans out over a thread pool; worker threads never raise."""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from medallion_orchestrator.execution.cancellation import NOT_STARTED
from medallion_orchestrator.execution.pool import PoolExecutor
from medallion_orchestrator.execution.results import RunResult, TaskResult
from medallion_orchestrator.execution.waiting import result_of
from medallion_orchestrator.execution.worker import ResultListener, run_task, skip_task
from medallion_orchestrator.planning import Batch, Plan
from medallion_orchestrator.tasks import NotebookTask

__all__ = ["BatchExecutor", "ResultListener"]

logger = logging.getLogger(__name__)


@dataclass
class BatchExecutor(PoolExecutor):
    def execute(self, plan: Plan, run_id: str | None = None) -> RunResult:
        run_id = run_id or uuid.uuid4().hex[:12]
        started_at = self.clock.now()
        results: list[TaskResult] = []
        blocker: str | None = None
        with ThreadPoolExecutor(self.max_workers, thread_name_prefix="medallion-task") as pool:
            for number, batch in enumerate(plan.batches, start=1):
                if self.cancellation.requested:
                    blocker = NOT_STARTED
                if blocker is not None:
                    results += [skip_task(task, blocker, self.listeners) for task in batch.tasks]
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
        return [result_of(future) for future in futures]

    def _run_task(self, task: NotebookTask) -> TaskResult:
        if self.cancellation.requested:  # queued in the pool when the run was stopped
            return skip_task(task, NOT_STARTED, self.listeners)
        return run_task(self.runner, self.clock, task, self.listeners)
