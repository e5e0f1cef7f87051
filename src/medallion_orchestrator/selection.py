"""`--select`: run some tasks of a layer, not all of it.

A selector names a task by its destination (`dev_silver.crm.loyalty_cards`); `+name` takes also
everything that task waits for: its `depends_on`, transitively, or, for a row without
`depends_on`, every task of a lower `execution_order` (what a batch waits for). A dependency that
is not selected counts as met, as in a repair run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from medallion_orchestrator.errors import InvalidMetadata, Problem
from medallion_orchestrator.planning import Batch, Plan
from medallion_orchestrator.tasks import NotebookTask


def select_plan(plan: Plan, selectors: Sequence[str]) -> Plan:
    tasks = {task.key.lower(): task for task in plan.tasks}
    chosen: set[str] = set()
    problems = []
    for selector in selectors:
        upstream = selector.startswith("+")
        key = selector.removeprefix("+").strip().lower()
        if key not in tasks:
            problems.append(
                Problem(key, f"--select: no active row of layer {plan.layer} writes this table")
            )
            continue
        chosen |= _with_upstream(tasks, key) if upstream else {key}
    if problems:
        raise InvalidMetadata(problems)
    batches = []
    for batch in plan.batches:
        kept = tuple(_kept(task, chosen) for task in batch.tasks if task.key.lower() in chosen)
        if kept:
            batches.append(Batch(batch.execution_order, kept))
    return Plan(plan.layer, tuple(batches))


def _with_upstream(tasks: dict[str, NotebookTask], key: str) -> set[str]:
    found, pending = set(), [key]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        found.add(current)
        task = tasks[current]
        if task.depends_on is None:
            pending += [k for k, t in tasks.items() if t.execution_order < task.execution_order]
        else:
            pending += [name.lower() for name in task.depends_on if name.lower() in tasks]
    return found


def _kept(task: NotebookTask, chosen: set[str]) -> NotebookTask:
    if task.depends_on is None:
        return task
    return replace(task, depends_on=tuple(n for n in task.depends_on if n.lower() in chosen))
