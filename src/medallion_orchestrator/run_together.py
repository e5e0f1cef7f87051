"""Several layers in one run: each task starts once what it reads has loaded, in any layer.

`medallion run --layer bronze_to_silver --layer silver_to_gold` runs one task graph: a gold
table starts as soon as the silver tables its SQL reads have loaded, not after the whole silver
layer. A failed silver task skips only the tables that read it, directly or not. Each layer keeps
its own lock, `run_log` row and `task_run_log` rows, so each layer's run is repaired on its own
(`--repair RUN_ID --layer L`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta

from medallion_orchestrator.application import Application
from medallion_orchestrator.errors import InvalidMetadata, Problem
from medallion_orchestrator.execution.cancellation import StoppableRunner
from medallion_orchestrator.execution.executor import ResultListener
from medallion_orchestrator.execution.progress import RunProgress
from medallion_orchestrator.execution.results import RunResult
from medallion_orchestrator.graph import TaskGraph
from medallion_orchestrator.history.attempts import AttemptRecorder
from medallion_orchestrator.history.lock import LayerLock
from medallion_orchestrator.history.lock_table import DeltaLockTable
from medallion_orchestrator.history.recorded_run import RecordedRun
from medallion_orchestrator.history.run_log import BUILD_STATE
from medallion_orchestrator.history.startup_reads import StartupReads
from medallion_orchestrator.loaders.gold_pins import current_pins, pins_text
from medallion_orchestrator.metadata.gold_dependencies import cross_layer_reads
from medallion_orchestrator.orchestration import (
    execute_plan,
    new_run_id,
    plan,
    run_layer,
    sql_of,
    validated_rows,
)
from medallion_orchestrator.planning import Plan, plan_together
from medallion_orchestrator.refresh_selection import with_full_refresh
from medallion_orchestrator.run_executor import executor_for, workers_for
from medallion_orchestrator.run_request import RunRequest, Scheduler
from medallion_orchestrator.tasks import NotebookTask, TaskOutcome, TaskResult

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Together:
    """The layers' own plans and the one graph they run as."""

    plans: tuple[Plan, ...]
    graph: Plan

    @property
    def layer_of(self) -> dict[str, str]:
        return {task.key: part.layer for part in self.plans for task in part.tasks}


def plan_layers(app: Application, layers: Sequence[str]) -> Together:
    """The layers' plans and their graph; InvalidMetadata names what cannot run together."""
    if len(set(layers)) != len(layers):
        raise InvalidMetadata([Problem("--layer", "a layer is given twice")])
    plans = tuple(plan(app, layer) for layer in layers)
    rows = [row for layer in layers for row in validated_rows(app, layer)]
    problems = [
        Problem(key, f"is the destination of a row in layers {' and '.join(names)}")
        for key, names in _layers_by_key(plans).items()
        if len(names) > 1
    ]
    if problems:
        raise InvalidMetadata(problems)
    reads = cross_layer_reads(rows, app.pipelines, app.layout.sql_dir, app.environment.catalogs)
    graph = plan_together(plans, reads)
    try:
        TaskGraph.of(graph.tasks)
    except ValueError as error:
        raise InvalidMetadata(
            [Problem("--layer " + " --layer ".join(layers), str(error))]
        ) from error
    return Together(plans, graph)


def run_layers(
    app: Application,
    request: RunRequest,
    *,
    listeners: Sequence[ResultListener] = (),
    progress: RunProgress | None = None,
) -> list[RunResult]:
    """One run of each of the request's layers, as one graph (one layer: `run_layer`, which
    alone repairs a run). Pinned inputs are what the gold builds read from outside every layer
    of the run."""
    if len(request.layers) == 1:
        return [run_layer(app, request, listeners=listeners, progress=progress)]
    layers = request.layers
    reads = {layer: StartupReads(app.run_history, layer) for layer in layers}  # while planning
    together = plan_layers(app, layers)
    graph = with_full_refresh(together.graph, request.full_refresh_tables)
    if request.full_refresh:
        graph = graph.with_arguments({"full_refresh": "true"})
    progress = progress or RunProgress(app.clock)
    runner = StoppableRunner(app.runner, app.cancellation, app.clock, progress.started)
    run_history = app.run_history
    reads[layers[0]].ensure_tables()
    graph = graph.with_arguments({"build_ledger": run_history.tables.name(BUILD_STATE)})
    pins = current_pins(app.lakehouse, *sql_of(app, graph)) if request.pin_inputs else None
    if pins is not None:
        graph = graph.with_arguments({"pinned_versions": pins_text(pins)})
    run_ids = {layer: new_run_id(app.clock) for layer in layers}
    histories = {layer: run_history.for_another_run() for layer in layers}  # a writer each
    recorders = {
        layer: AttemptRecorder(histories[layer], run_ids[layer], layer, runner.attempt_started)
        for layer in layers
    }
    layer_of = together.layer_of

    def record_result(result: TaskResult) -> None:
        recorders[layer_of[result.key]].record_result(result)

    def record_failed_attempt(
        task: NotebookTask, outcome: TaskOutcome, attempt: int, started: datetime, ended: datetime
    ) -> None:
        recorders[layer_of[task.key]].record_failed_attempt(task, outcome, attempt, started, ended)

    on_result = [record_result, *listeners, progress.finished]
    runs = [
        RecordedRun(
            histories[layer],
            LayerLock(
                DeltaLockTable(histories[layer]),
                layer,
                run_ids[layer],
                clock=app.clock,
                expiry=timedelta(seconds=app.environment.lock_expiry_seconds),
                on_take_over=histories[layer].mark_abandoned,
            ),
            app.environment.name,
            app.clock,
            pinned_versions=None if pins is None else pins_text(pins),
            max_workers=workers_for(app, request),
            scheduler=Scheduler.DAG.value,
        )
        for layer in layers
    ]
    with app.cancellation.arming(), ExitStack() as stack:
        for recorded in runs:
            stack.enter_context(recorded)
        # read while the locks were claimed and run_log written, not before them
        past_durations = {
            key: seconds for layer in layers for key, seconds in reads[layer].durations().items()
        }
        executor = executor_for(
            app, request, Scheduler.DAG, runner, past_durations, on_result, record_failed_attempt
        )
        logger.info(
            "runs %s of layers %s started together", ", ".join(run_ids.values()), graph.layer
        )
        result = execute_plan(app, executor, graph, progress, past_durations)
        parts = [_part(result, layer, run_ids[layer], layer_of) for layer in layers]
        for recorded, part in zip(runs, parts, strict=True):
            recorded.finished(part, stopped=app.cancellation.requested)
    return parts


def _layers_by_key(plans: Sequence[Plan]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in plans:
        for task in part.tasks:
            found.setdefault(task.key.lower(), []).append(part.layer)
    return found


def _part(result: RunResult, layer: str, run_id: str, layer_of: dict[str, str]) -> RunResult:
    """One layer's share of the run: its tasks, ended when the last of them ended."""
    results = tuple(r for r in result.results if layer_of[r.key] == layer)
    ends = [r.ended_at for r in results if r.ended_at is not None]
    return RunResult(run_id, layer, result.started_at, max(ends, default=result.ended_at), results)
