"""A repair run: the plan of a layer without what already succeeded in the run it repairs."""

from __future__ import annotations

from dataclasses import replace

from medallion_orchestrator.planning import Batch, Plan


def remaining_plan(plan: Plan, succeeded: set[str]) -> Plan:
    """Drop succeeded tasks; a dependency on one of them counts as met."""
    batches = []
    for batch in plan.batches:
        tasks = tuple(
            replace(
                task,
                depends_on=None
                if task.depends_on is None
                else tuple(name for name in task.depends_on if name not in succeeded),
            )
            for task in batch.tasks
            if task.key not in succeeded
        )
        if tasks:
            batches.append(Batch(batch.execution_order, tasks))
    return Plan(plan.layer, tuple(batches))
