"""What waits for what: the dependency graph of a plan's tasks.

A task with `depends_on` waits for exactly those tasks. A task without it keeps the
execution_order rule: it waits for every task of the nearest lower execution_order present, so a
plan whose rows have no `depends_on` runs as the batches do.
"""

from __future__ import annotations

import graphlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from medallion_orchestrator.cycles import find_cycle
from medallion_orchestrator.tasks import NotebookTask


@dataclass(frozen=True)
class TaskGraph:
    """Tasks in plan order, with the keys each waits for (upstream) and is waited for by."""

    tasks: Mapping[str, NotebookTask]
    upstream: Mapping[str, frozenset[str]]
    downstream: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, tasks: Sequence[NotebookTask]) -> TaskGraph:
        """The graph of validated tasks; ValueError on a duplicate key, unknown name or cycle."""
        by_key = {task.key: task for task in tasks}
        if len(by_key) != len(tasks):
            raise ValueError("two tasks have the same key")
        upstream = dependencies(tasks)
        for key, names in upstream.items():
            if unknown := sorted(names - by_key.keys()):
                raise ValueError(f"{key} depends on unknown task(s) {', '.join(unknown)}")
        if cycle := find_cycle(upstream):
            raise ValueError(f"depends_on cycle: {' -> '.join(cycle)}")
        downstream: dict[str, list[str]] = defaultdict(list)
        for task in tasks:
            for name in sorted(upstream[task.key]):
                downstream[name].append(task.key)
        return cls(
            tasks=by_key,
            upstream=upstream,
            downstream={key: tuple(downstream[key]) for key in by_key},
        )

    @property
    def edge_count(self) -> int:
        return sum(len(names) for names in self.upstream.values())

    def dependents(self, key: str) -> list[str]:
        """Every task that waits for `key`, directly or not, in plan order."""
        found: set[str] = set()
        stack = list(self.downstream[key])
        while stack:
            name = stack.pop()
            if name not in found:
                found.add(name)
                stack.extend(self.downstream[name])
        return [name for name in self.tasks if name in found]

    def bottom_up(self) -> list[str]:
        """Keys ordered so every task comes after all the tasks that wait for it."""
        return list(reversed(list(graphlib.TopologicalSorter(self.upstream).static_order())))


def dependencies(tasks: Sequence[NotebookTask]) -> dict[str, frozenset[str]]:
    """The keys each task waits for: its depends_on, else the execution_order rule."""
    by_order: dict[int, list[str]] = defaultdict(list)
    for task in tasks:
        by_order[task.execution_order].append(task.key)
    orders = sorted(by_order)
    previous_batch = {order: frozenset(by_order[lower]) for lower, order in pairwise(orders)}
    return {
        task.key: (
            previous_batch.get(task.execution_order, frozenset())
            if task.depends_on is None
            else frozenset(task.depends_on)
        )
        for task in tasks
    }
