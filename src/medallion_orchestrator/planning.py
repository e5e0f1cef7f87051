"""What runs when: the active rows of a layer as batches by ascending execution_order.

Rows with `depends_on` also carry their own dependencies; `graph.TaskGraph` turns a plan into
the graph the ready-queue executor runs. Given the SQL folder, a gold_sql row's task waits for
its `depends_on` and the rows whose tables its file reads (`metadata.gold_dependencies`), always
as an explicit list (so `--scheduler auto` picks the DAG), and a NULL execution_order becomes the
row's depth in that graph (so `--scheduler batch` still keeps every dependency).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from pathlib import Path

from medallion_orchestrator.graph import dependencies
from medallion_orchestrator.metadata.dependencies import execution_orders
from medallion_orchestrator.metadata.gold_dependencies import sql_edges
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.project import Environment, Pipeline
from medallion_orchestrator.tasks import NotebookTask

__all__ = ["Batch", "NotebookTask", "Plan", "plan_layer", "plan_together", "task_for"]

# The task argument (a loader notebook's widget) of a table `--full-refresh TABLE` names.
FULL_REFRESH_TABLE = "full_refresh_table"


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

    def with_arguments(self, extra: Mapping[str, str], keys: Collection[str] | None = None) -> Plan:
        """Every task (of `keys`, lower-cased, when given) also given `extra` (a run option its
        notebook reads as a widget)."""

        def given(task: NotebookTask) -> NotebookTask:
            if keys is not None and task.key.lower() not in keys:
                return task
            return replace(task, arguments={**task.arguments, **extra})

        return replace(
            self,
            batches=tuple(
                replace(batch, tasks=tuple(given(task) for task in batch.tasks))
                for batch in self.batches
            ),
        )

    def describe(self) -> str:
        lines = [f"layer {self.layer}: {len(self.tasks)} task(s) in {len(self.batches)} batch(es)"]
        for number, batch in enumerate(self.batches, start=1):
            lines.append(f"batch {number} (execution_order {batch.execution_order}):")
            lines += [
                f"  {task.key} -> {task.notebook}{_waits_for(task)}{_refreshed(task)}"
                for task in batch.tasks
            ]
        return "\n".join(lines)


def task_for(
    row: TaskRow,
    pipelines: Mapping[str, Pipeline],
    environment: Environment,
    reads: Sequence[str] | None = None,
    execution_order: int | None = None,
) -> NotebookTask:
    """The row's task; `reads`: the rows its SQL reads (None: not a SQL row), added to its
    depends_on; `execution_order`: the one to use when the row's is NULL."""
    order = row.execution_order if row.execution_order is not None else execution_order
    assert row.execution_pipeline is not None and order is not None
    return NotebookTask(
        key=row.destination,
        notebook=pipelines[row.execution_pipeline].notebook,
        execution_order=order,
        timeout_seconds=row.timeout_seconds or environment.default_timeout_seconds,
        arguments={"task": row.to_json(), "environment": environment.name},
        depends_on=_depends_on(row.depends_on, reads),
        max_retries=row.max_retries,
    )


def _depends_on(
    explicit: Sequence[str] | None, reads: Sequence[str] | None
) -> tuple[str, ...] | None:
    if explicit is None and reads is None:
        return None
    return tuple(dict.fromkeys((*(explicit or ()), *(reads or ()))))


def _refreshed(task: NotebookTask) -> str:
    return " [full refresh]" if task.arguments.get(FULL_REFRESH_TABLE) == "true" else ""


def _waits_for(task: NotebookTask) -> str:
    if task.depends_on is None:
        return ""
    return f" (after: {', '.join(task.depends_on) or 'nothing'})"


def plan_layer(
    layer: str,
    rows: Sequence[TaskRow],
    pipelines: Mapping[str, Pipeline],
    environment: Environment,
    sql_dir: Path | None = None,
) -> Plan:
    """Rows must be validated first; ties within a batch keep destination order. With
    `sql_dir`, SQL rows also wait for what their files read (see the module docstring)."""
    edges = sql_edges(rows, pipelines, sql_dir, environment.catalogs) if sql_dir else {}
    orders = execution_orders(rows, edges)
    tasks = sorted(
        (
            task_for(
                row, pipelines, environment, edges.get(row.destination), orders.get(row.destination)
            )
            for row in rows
        ),
        key=lambda task: (task.execution_order, task.key),
    )
    batches = tuple(
        Batch(order, tuple(group))
        for order, group in groupby(tasks, key=lambda task: task.execution_order)
    )
    return Plan(layer, batches)


def plan_together(plans: Sequence[Plan], reads: Mapping[str, Sequence[str]]) -> Plan:
    """Several layers' plans as one graph, the layers' names joined by `+`: each task waits
    for what it waits for in its own layer (its depends_on, else the batch before it), always
    as an explicit list, and for the tables of the other layers it reads (`reads`)."""
    batches = []
    for layer_plan in plans:
        within = dependencies(layer_plan.tasks)
        for batch in layer_plan.batches:
            tasks = tuple(
                replace(
                    task,
                    depends_on=tuple(
                        dict.fromkeys((*sorted(within[task.key]), *reads.get(task.key, ())))
                    ),
                )
                for task in batch.tasks
            )
            batches.append(Batch(batch.execution_order, tasks))
    return Plan("+".join(layer_plan.layer for layer_plan in plans), tuple(batches))
