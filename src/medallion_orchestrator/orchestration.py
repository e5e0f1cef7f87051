"""The orchestrator's use cases: validate a layer, plan it, run it."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from enum import Enum

from medallion_orchestrator.application import Application
from medallion_orchestrator.clock import Clock
from medallion_orchestrator.errors import InvalidMetadata, Problem
from medallion_orchestrator.execution.executor import BatchExecutor, ResultListener
from medallion_orchestrator.execution.ready_queue import ReadyQueueExecutor
from medallion_orchestrator.execution.results import RunResult
from medallion_orchestrator.history.attempts import AttemptRecorder
from medallion_orchestrator.history.lock import LayerLock
from medallion_orchestrator.history.repair import remaining_plan
from medallion_orchestrator.history.run_log import RunHistory
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.validation import check_rows
from medallion_orchestrator.planning import Plan, plan_layer
from medallion_orchestrator.priorities import DurationHistory
from medallion_orchestrator.runners.retrying import AttemptListener, RetryingRunner, RetryPolicy

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
    repair_of: str | None = None,
    record: bool = True,
) -> RunResult:
    """One run of a layer. With `record`, it holds the layer's lock, writes run_log and
    task_run_log as it goes and schedules longest-first from past durations. `repair_of` runs
    only what did not succeed in that run."""
    layer_plan = plan(app, layer)
    if not record:
        return _execute(
            app, layer_plan, max_workers, continue_on_failure, listeners, scheduler, history
        )
    run_history = app.run_history
    run_history.ensure_tables()
    if repair_of is not None:
        layer_plan = remaining_plan(layer_plan, _repairable(run_history, repair_of, layer))
    run_id = new_run_id(app.clock)
    with LayerLock(
        run_history, layer, run_id, expiry=timedelta(seconds=app.environment.lock_expiry_seconds)
    ):
        logger.info("run %s of layer %s started%s", run_id, layer, _repairing(repair_of))
        run_history.start_run(run_id, layer, app.environment.name, app.clock.now(), repair_of)
        recorder = AttemptRecorder(run_history, run_id, layer)
        result = _execute(
            app,
            layer_plan,
            max_workers,
            continue_on_failure,
            [recorder.record_result, *(listeners or [])],
            scheduler,
            history if history is not None else run_history.durations(layer),
            run_id=run_id,
            on_failed_attempt=recorder.record_failed_attempt,
        )
        run_history.finish_run(result, repair_of)
    return result


def _execute(
    app: Application,
    layer_plan: Plan,
    max_workers: int | None,
    continue_on_failure: bool,
    listeners: list[ResultListener] | None,
    scheduler: Scheduler | str,
    history: DurationHistory | None,
    run_id: str | None = None,
    on_failed_attempt: AttemptListener | None = None,
) -> RunResult:
    chosen = choose_scheduler(layer_plan, scheduler)
    logger.info(
        "layer %s: %d task(s), scheduler %s", layer_plan.layer, len(layer_plan.tasks), chosen
    )
    workers = max_workers or app.environment.max_workers
    policy = RetryPolicy(app.environment.max_retries, app.environment.retry_delay_seconds)
    runner = RetryingRunner(app.runner, policy, app.clock, on_failed_attempt)
    executor: BatchExecutor | ReadyQueueExecutor
    if chosen is Scheduler.DAG:
        executor = ReadyQueueExecutor(
            runner,
            max_workers=workers,
            continue_on_failure=continue_on_failure,
            history=history or {},
            listeners=list(listeners or []),
        )
    else:
        executor = BatchExecutor(
            runner,
            max_workers=workers,
            continue_on_failure=continue_on_failure,
            listeners=list(listeners or []),
        )
    return executor.execute(layer_plan, run_id)


def new_run_id(clock: Clock) -> str:
    return f"{clock.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def _repairing(repair_of: str | None) -> str:
    return f", repairing run {repair_of}" if repair_of else ""


def _repairable(run_history: RunHistory, run_id: str, layer: str) -> set[str]:
    """The tasks already done by the run to repair (and the runs it repaired)."""
    run, _ = run_history.run(run_id)
    if run is None:
        raise InvalidMetadata([Problem(f"--repair {run_id}", "no such run in run_log")])
    if run["layer"] != layer:
        raise InvalidMetadata(
            [Problem(f"--repair {run_id}", f"that run is of layer {run['layer']}, not {layer}")]
        )
    return run_history.succeeded_tasks(run_id)
