"""How a plan runs as a graph: a task starts as soon as what it waits for has succeeded.

As dbt's graph queue: the main thread hands ready tasks, highest priority first, to a pool of
workers and waits for any of them to finish. A task that does not succeed skips only the tasks
that wait for it, directly or not; every other task goes on. Worker threads never raise.
"""

from __future__ import annotations

import heapq
import logging
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from queue import SimpleQueue

from medallion_orchestrator.execution.cancellation import NOT_STARTED
from medallion_orchestrator.execution.pool import PoolExecutor
from medallion_orchestrator.execution.results import RunResult, TaskResult
from medallion_orchestrator.execution.waiting import next_from
from medallion_orchestrator.execution.worker import lost_task, run_task, skip_task
from medallion_orchestrator.graph import TaskGraph
from medallion_orchestrator.planning import Plan
from medallion_orchestrator.priorities import PastDurations, longest_first
from medallion_orchestrator.tasks import NotebookTask

logger = logging.getLogger(__name__)


class ReadyQueue:
    """Which tasks may start now, highest priority first (ties: plan order). Not thread-safe."""

    def __init__(self, graph: TaskGraph, priority: Mapping[str, float] | None = None) -> None:
        self.graph = graph
        self._waiting_for = {key: len(names) for key, names in graph.upstream.items()}
        self._rank = {
            key: (-(priority or {}).get(key, 0.0), index) for index, key in enumerate(graph.tasks)
        }
        self._ready = [
            (self._rank[key], key) for key, count in self._waiting_for.items() if not count
        ]
        heapq.heapify(self._ready)
        self._open = set(graph.tasks)

    @property
    def unfinished(self) -> bool:
        return bool(self._open)

    def pop(self) -> NotebookTask | None:
        """The next task to start, or None when none is ready."""
        if not self._ready:
            return None
        _, key = heapq.heappop(self._ready)
        return self.graph.tasks[key]

    def finished(self, key: str) -> None:
        """`key` is done and its dependents may use it: some of them may become ready."""
        self._open.discard(key)
        for name in self.graph.downstream[key]:
            self._waiting_for[name] -= 1
            if not self._waiting_for[name] and name in self._open:
                heapq.heappush(self._ready, (self._rank[name], name))

    def abandon(self, key: str) -> list[str]:
        """`key` did not succeed: it and every task waiting for it leave the queue; those tasks."""
        self._open.discard(key)
        dependents = [name for name in self.graph.dependents(key) if name in self._open]
        self._open.difference_update(dependents)
        return dependents

    def abandon_all(self) -> list[str]:
        """Every task still open leaves the queue (the run was stopped); those tasks."""
        left = [key for key in self.graph.tasks if key in self._open]
        self._open.clear()
        return left


@dataclass
class ReadyQueueExecutor(PoolExecutor):
    """Runs a plan's task graph; `past_durations` (per key) sharpen longest-first."""

    longest_first: bool = field(default=True, kw_only=True)
    past_durations: PastDurations = field(default_factory=dict, kw_only=True)

    def execute(self, plan: Plan, run_id: str | None = None) -> RunResult:
        run_id = run_id or uuid.uuid4().hex[:12]
        started_at = self.clock.now()
        graph = TaskGraph.of(plan.tasks)
        priority = longest_first(graph, self.past_durations) if self.longest_first else None
        logger.info(
            "ready queue: %d task(s), %d dependencies, %d worker(s)%s",
            len(graph.tasks),
            graph.edge_count,
            self.max_workers,
            ", longest first" if priority else "",
        )
        results = self._run(ReadyQueue(graph, priority))
        ordered = tuple(results[task.key] for task in plan.tasks)
        return RunResult(run_id, plan.layer, started_at, self.clock.now(), ordered)

    def _run(self, queue: ReadyQueue) -> dict[str, TaskResult]:
        results: dict[str, TaskResult] = {}
        finished: SimpleQueue[TaskResult] = SimpleQueue()
        running = 0
        with ThreadPoolExecutor(self.max_workers, thread_name_prefix="medallion-task") as pool:
            while True:
                while (
                    not self.cancellation.requested
                    and running < self.max_workers
                    and (task := queue.pop()) is not None
                ):
                    pool.submit(self._work, task, finished)
                    running += 1
                if not running:
                    break
                result = next_from(finished)
                running -= 1
                results[result.key] = result
                if result.succeeded or self.continue_on_failure:
                    queue.finished(result.key)
                elif not self.cancellation.requested:  # else all that is left is not started
                    results.update(self._skip_dependents(queue, result))
        if self.cancellation.requested:
            for key in queue.abandon_all():
                if key not in results:  # those that ran have their result
                    results[key] = skip_task(queue.graph.tasks[key], NOT_STARTED, self.listeners)
        if queue.unfinished:  # cannot happen with an acyclic graph; never hide a task
            raise RuntimeError("the ready queue stopped with tasks neither run nor skipped")
        return results

    def _work(self, task: NotebookTask, finished: SimpleQueue[TaskResult]) -> None:
        try:
            result = run_task(self.runner, self.clock, task, self.listeners)
        except BaseException as raised:  # the main thread must hear of every task
            result = lost_task(task, raised)
            logger.error("%s: %s", task.key, result.message)
        finished.put(result)

    def _skip_dependents(self, queue: ReadyQueue, failed: TaskResult) -> dict[str, TaskResult]:
        reason = f"not started: upstream {failed.key} did not succeed ({failed.status})"
        return {
            key: skip_task(queue.graph.tasks[key], reason, self.listeners)
            for key in queue.abandon(failed.key)
        }
