"""The orchestrator's use cases: validate a layer, plan it, run it."""

from __future__ import annotations

from medallion_orchestrator.application import Application
from medallion_orchestrator.execution.executor import BatchExecutor, ResultListener
from medallion_orchestrator.execution.results import RunResult
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.validation import check_rows
from medallion_orchestrator.planning import Plan, plan_layer


def validated_rows(app: Application, layer: str) -> list[TaskRow]:
    """The active rows of the layer; InvalidMetadata lists every problem."""
    rows = app.repository.active_rows(layer)
    check_rows(rows, app.pipelines, app.layout.sql_dir)
    return rows


def plan(app: Application, layer: str) -> Plan:
    return plan_layer(layer, validated_rows(app, layer), app.pipelines, app.environment)


def run_layer(
    app: Application,
    layer: str,
    max_workers: int | None = None,
    continue_on_failure: bool = False,
    listeners: list[ResultListener] | None = None,
) -> RunResult:
    executor = BatchExecutor(
        app.runner,
        max_workers=max_workers or app.environment.max_workers,
        continue_on_failure=continue_on_failure,
        listeners=list(listeners or []),
    )
    return executor.execute(plan(app, layer))
