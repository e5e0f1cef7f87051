"""What runs when: the active rows of a layer as batches by ascending execution_order.

Rows with `depends_on` also carry their own dependencies; `graph.TaskGraph` turns a plan into
the graph the ready-queue executor runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.project import Environment, Pipeline


@dataclass(frozen=True)
class NotebookTask:
    """One unit of work for a runner: a notebook, its arguments and its time budget.

    `depends_on` names the task keys it waits for; None keeps the execution_order rule.
    """

    key: str
    notebook: str
    execution_order: int
    timeout_seconds: int
    arguments: Mapping[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] | None = None
    max_retries: int | None = None


@dataclass(frozen=True)
class Batch:
    execution_order: int
    tasks: tuple[NotebookTask, ...]


@dataclass(frozen=True)
class Plan:
    layer: str
    batches: tuple[Batch, ...]

    @property
    def tasks(self) -> list[NotebookTask]:
        return [task for batch in self.batches for task in batch.tasks]

    def describe(self) -> str:
        lines = [f"layer {self.layer}: {len(self.tasks)} task(s) in {len(self.batches)} batch(es)"]
        for number, batch in enumerate(self.batches, start=1):
            lines.append(f"batch {number} (execution_order {batch.execution_order}):")
            lines += [f"  {task.key} -> {task.notebook}{_waits_for(task)}" for task in batch.tasks]
        return "\n".join(lines)


def task_for(
    row: TaskRow, pipelines: Mapping[str, Pipeline], environment: Environment
) -> NotebookTask:
    assert row.execution_pipeline is not None and row.execution_order is not None
    return NotebookTask(
        key=row.destination,
        notebook=pipelines[row.execution_pipeline].notebook,
        execution_order=row.execution_order,
        timeout_seconds=row.timeout_seconds or environment.default_timeout_seconds,
        arguments={"task": row.to_json(), "environment": environment.name},
        depends_on=None if row.depends_on is None else tuple(dict.fromkeys(row.depends_on)),
        max_retries=row.max_retries,
    )


def _waits_for(task: NotebookTask) -> str:
    if task.depends_on is None:
        return ""
    return f" (after: {', '.join(task.depends_on) or 'nothing'})"


def plan_layer(
    layer: str,
    rows: Sequence[TaskRow],
    pipelines: Mapping[str, Pipeline],
    environment: Environment,
) -> Plan:
    """Rows must be validated first; ties within a batch keep destination order."""
    tasks = sorted(
        (task_for(row, pipelines, environment) for row in rows),
        key=lambda task: (task.execution_order, task.key),
    )
    batches = tuple(
        Batch(order, tuple(group))
        for order, group in groupby(tasks, key=lambda task: task.execution_order)
    )
    return Plan(layer, batches)
