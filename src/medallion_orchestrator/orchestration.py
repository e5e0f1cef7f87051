"""The orchestrator's use cases: validate a layer, plan it, run it."""

from __future__ import annotations

import logging
from enum import Enum

from medallion_orchestrator.application import Application
from medallion_orchestrator.errors import InvalidMetadata, Problem
from medallion_orchestrator.execution.executor import BatchExecutor, ResultListener
from medallion_orchestrator.execution.ready_queue import ReadyQueueExecutor
from medallion_orchestrator.execution.results import RunResult
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.validation import check_rows
from medallion_orchestrator.planning import Plan, plan_layer
from medallion_orchestrator.priorities import DurationHistory

logger = logging.getLogger(__name__)


class Scheduler(str, Enum):
    """batch: execution_order batches (the article); dag: the ready queue; auto: dag if a row
    has depends_on, else batch."""

    AUTO = "auto"
    BATCH = "batch"
    DAG = "dag"

    def __str__(self) -> str:
        return self.value


def validated_rows(app: Application, layer: str) -> list[TaskRow]:
    """The active rows of the layer; InvalidMetadata lists every problem."""
    rows = app.repository.active_rows(layer)
    check_rows(rows, app.pipelines, app.layout.sql_dir)
    return rows


def plan(app: Application, layer: str) -> Plan:
    return plan_layer(layer, validated_rows(app, layer), app.pipelines, app.environment)


def choose_scheduler(layer_plan: Plan, requested: Scheduler | str = Scheduler.AUTO) -> Scheduler:
    requested = Scheduler(requested)
    if requested is Scheduler.BATCH:
        _check_batches_keep_dependencies(layer_plan)
    if requested is not Scheduler.AUTO:
        return requested
    has_dependencies = any(task.depends_on is not None for task in layer_plan.tasks)
    return Scheduler.DAG if has_dependencies else Scheduler.BATCH


def _check_batches_keep_dependencies(layer_plan: Plan) -> None:
    """Batches run a whole execution_order at once: a dependency inside one cannot be kept."""
    problems: list[Problem] = []
    for batch in layer_plan.batches:
        keys = {task.key for task in batch.tasks}
        problems += [
            Problem(
                task.key,
                f"depends_on {name}, of the same execution_order {batch.execution_order}: "
                "batches would run them together (use the dag or auto scheduler)",
            )
            for task in batch.tasks
            for name in task.depends_on or ()
            if name in keys
        ]
    if problems:
        raise InvalidMetadata(problems)


def run_layer(
    app: Application,
    layer: str,
    max_workers: int | None = None,
    continue_on_failure: bool = False,
    listeners: list[ResultListener] | None = None,
    scheduler: Scheduler | str = Scheduler.AUTO,
    history: DurationHistory | None = None,
) -> RunResult:
    """`history`: past durations per task key, for longest-first (none yet: an empty mapping)."""
    layer_plan = plan(app, layer)
    chosen = choose_scheduler(layer_plan, scheduler)
    logger.info("layer %s: %d task(s), scheduler %s", layer, len(layer_plan.tasks), chosen)
    workers = max_workers or app.environment.max_workers
    executor: BatchExecutor | ReadyQueueExecutor
    if chosen is Scheduler.DAG:
        executor = ReadyQueueExecutor(
            app.runner,
            max_workers=workers,
            continue_on_failure=continue_on_failure,
            history=history or {},
            listeners=list(listeners or []),
        )
    else:
        executor = BatchExecutor(
            app.runner,
            max_workers=workers,
            continue_on_failure=continue_on_failure,
            listeners=list(listeners or []),
        )
    return executor.execute(layer_plan)
