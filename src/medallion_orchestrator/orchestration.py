"""The orchestrator's use cases: validate a layer, plan it, run it (as a `RunRequest` asks)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

from medallion_orchestrator.application import Application
from medallion_orchestrator.clock import Clock
from medallion_orchestrator.errors import InvalidMetadata, Problem
from medallion_orchestrator.execution.cancellation import StoppableRunner
from medallion_orchestrator.execution.executor import ResultListener
from medallion_orchestrator.execution.progress import RunProgress
from medallion_orchestrator.execution.ready_queue import ReadyQueueExecutor
from medallion_orchestrator.execution.results import RunResult
from medallion_orchestrator.history.attempts import AttemptRecorder
from medallion_orchestrator.history.lock import LayerLock
from medallion_orchestrator.history.lock_table import DeltaLockTable
from medallion_orchestrator.history.recorded_run import RecordedRun
from medallion_orchestrator.history.repair import remaining_plan
from medallion_orchestrator.history.run_log import BUILD_STATE, RunHistory
from medallion_orchestrator.history.startup_reads import StartupReads
from medallion_orchestrator.loaders.gold_pins import current_pins, pins_from_text, pins_text
from medallion_orchestrator.loaders.gold_sql import sql_file
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.validation import check_rows
from medallion_orchestrator.planning import Plan, plan_layer
from medallion_orchestrator.priorities import PastDurations
from medallion_orchestrator.refresh_selection import with_full_refresh
from medallion_orchestrator.run_executor import Executor, executor_for, workers_for
from medallion_orchestrator.run_request import RunRequest, Scheduler
from medallion_orchestrator.selection import select_plan

logger = logging.getLogger(__name__)


def validated_rows(app: Application, layer: str) -> list[TaskRow]:
    """The active rows of the layer; InvalidMetadata lists every problem (and a layer no
    active row has: a typo runs nothing and says so)."""
    rows = app.repository.active_rows(layer)
    if not rows:
        layers = ", ".join(app.repository.active_layers()) or "none"
        raise InvalidMetadata(
            [Problem(f"layer {layer}", f"no active row has this layer (layers: {layers})")]
        )
    check_rows(rows, app.pipelines, app.layout.sql_dir, app.environment.catalogs)
    return rows


def plan(app: Application, layer: str, select: Sequence[str] = ()) -> Plan:
    """The layer's plan; with `select`, only those tasks (selection.py)."""
    rows = validated_rows(app, layer)
    layer_plan = plan_layer(layer, rows, app.pipelines, app.environment, app.layout.sql_dir)
    return select_plan(layer_plan, select) if select else layer_plan


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
    request: RunRequest,
    *,
    listeners: Sequence[ResultListener] = (),
    past_durations: PastDurations | None = None,
    progress: RunProgress | None = None,
) -> RunResult:
    """One run of the request's layer. Recorded, it holds the layer's lock, writes run_log and
    task_run_log as it goes and schedules longest-first from past durations. A repair runs only
    what did not succeed in that run. Everything that can refuse the run (metadata, the
    scheduler's rules, the runner) is checked before the lock is taken and run_log written;
    `app.cancellation` stops it (no task starts, running ones are cancelled). Pinned inputs are
    recorded in run_log; a repair of such a run reads them at the same versions. `listeners`
    hear of each task's result; `progress` is on_result of each task as it starts and ends (one is
    made when none is given: it logs each end)."""
    layer = request.layer
    reads = StartupReads(app.run_history, layer, past_durations is None) if request.record else None
    layer_plan = with_full_refresh(plan(app, layer, request.select), request.full_refresh_tables)
    if request.full_refresh:
        layer_plan = layer_plan.with_arguments({"full_refresh": "true"})
    chosen = choose_scheduler(layer_plan, request.scheduler)
    progress = progress or RunProgress(app.clock)
    runner = StoppableRunner(app.runner, app.cancellation, app.clock, progress.started)
    if reads is None:  # not recorded
        past_durations = past_durations or {}
        on_result = [*listeners, progress.finished]
        executor = executor_for(app, request, chosen, runner, past_durations, on_result)
        with app.cancellation.arming():
            return execute_plan(app, executor, layer_plan, progress, past_durations)
    run_history = app.run_history
    reads.ensure_tables()
    # the gold notebooks compare with the builds this run's history holds
    layer_plan = layer_plan.with_arguments({"build_ledger": run_history.tables.name(BUILD_STATE)})
    pins = None
    if request.repair_of is not None:
        done, pins = _repairable(run_history, request.repair_of, layer)
        layer_plan = remaining_plan(layer_plan, done)
    if pins is None and request.pin_inputs:
        pins = current_pins(app.lakehouse, *sql_of(app, layer_plan))
    if pins is not None:
        layer_plan = layer_plan.with_arguments({"pinned_versions": pins_text(pins)})
    run_id = new_run_id(app.clock)
    recorder = AttemptRecorder(run_history, run_id, layer, runner.attempt_started)
    on_result = [recorder.record_result, *listeners, progress.finished]
    lock = LayerLock(
        DeltaLockTable(run_history),
        layer,
        run_id,
        clock=app.clock,
        expiry=timedelta(seconds=app.environment.lock_expiry_seconds),
        on_take_over=run_history.mark_abandoned,
    )
    recorded = RecordedRun(
        run_history,
        lock,
        app.environment.name,
        app.clock,
        request.repair_of,
        None if pins is None else pins_text(pins),
        workers_for(app, request),
        chosen.value,
    )
    with app.cancellation.arming(), recorded:  # a signal from here on stops the run cleanly
        # read while the lock was claimed and run_log written, not before them
        past_durations = past_durations if past_durations is not None else reads.durations()
        executor = executor_for(
            app, request, chosen, runner, past_durations, on_result, recorder.record_failed_attempt
        )
        logger.info("run %s of layer %s started%s", run_id, layer, _repairing(request.repair_of))
        result = execute_plan(app, executor, layer_plan, progress, past_durations, run_id)
        recorded.finished(result, stopped=app.cancellation.requested)
    return result


def execute_plan(
    app: Application,
    executor: Executor,
    layer_plan: Plan,
    progress: RunProgress,
    past_durations: PastDurations,
    run_id: str | None = None,
) -> RunResult:
    logger.info(
        "layer %s: %d task(s), scheduler %s",
        layer_plan.layer,
        len(layer_plan.tasks),
        "dag" if isinstance(executor, ReadyQueueExecutor) else "batch",
    )
    keys = [task.key for task in layer_plan.tasks]
    progress.begin(layer_plan.layer, keys, past_durations, executor.max_workers)
    cancel = getattr(app.runner, "cancel_running", None)
    if callable(cancel):
        app.cancellation.on_cancel(cancel)
    result = executor.execute(layer_plan, run_id)
    if app.cancellation.requested:
        logger.warning("run of layer %s stopped: %s", layer_plan.layer, app.cancellation.reason)
    return result


def new_run_id(clock: Clock) -> str:
    return f"{clock.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def _repairing(repair_of: str | None) -> str:
    return f", repairing run {repair_of}" if repair_of else ""


def sql_of(app: Application, layer_plan: Plan) -> tuple[list[str], set[str]]:
    """The SQL files of the plan's rows, and the tables the layer writes (never pinned)."""
    rows = [TaskRow.from_json(task.arguments["task"]) for task in layer_plan.tasks]
    texts = [sql_file(row, app.layout.sql_dir).read_text() for row in rows if row.sql_file_path]
    return texts, {row.destination.lower() for row in rows}


def _repairable(
    run_history: RunHistory, run_id: str, layer: str
) -> tuple[set[str], dict[str, int] | None]:
    """The tasks already done by the run to repair (and the runs it repaired), and the input
    versions it pinned (None: it pinned none)."""
    run, _ = run_history.run(run_id)
    if run is None:
        raise InvalidMetadata([Problem(f"--repair {run_id}", "no such run in run_log")])
    if run["layer"] != layer:
        raise InvalidMetadata(
            [Problem(f"--repair {run_id}", f"that run is of layer {run['layer']}, not {layer}")]
        )
    pinned = run.get("pinned_versions")
    return run_history.succeeded_tasks(run_id), (None if pinned is None else pins_from_text(pinned))
