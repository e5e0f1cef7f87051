"""A plan's picture with the past durations of its tasks: for `--picture`, and in the
orchestrator notebook's dry run on Databricks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from medallion_orchestrator.application import Application
from medallion_orchestrator.plan_figure import PlanPicture, plan_figure, plan_picture
from medallion_orchestrator.planning import Plan
from medallion_orchestrator.runtime.databricks_runtime import on_databricks

logger = logging.getLogger(__name__)


def plan_picture_of(
    app: Application,
    layer_plan: Plan,
    scheduler: str,
    workers: int | None = None,
    layers: Sequence[str] = (),
) -> PlanPicture:
    """The plan as drawn, each task's expected duration from the past runs of its layer (of
    `layers`, for layers run together)."""
    past_durations = {
        key: seconds
        for layer in layers or [layer_plan.layer]
        for key, seconds in app.run_history.durations(layer).items()
    }
    workers = workers or app.environment.max_workers
    return plan_picture(
        layer_plan, str(getattr(scheduler, "value", scheduler)), past_durations, workers
    )


def display_plan(
    app: Application,
    layer_plan: Plan,
    scheduler: str,
    display_html: Callable[[str], object],
    layers: Sequence[str] = (),
) -> None:
    """The plan's picture in a Databricks notebook (plotly.js inside); elsewhere nothing, as for
    a run's timeline. A failure here is only logged: the dry run's text says it all."""
    if not on_databricks():
        return
    try:
        figure = plan_figure(plan_picture_of(app, layer_plan, scheduler, None, layers))
        display_html(figure.to_html(include_plotlyjs=True, full_html=False))
    except Exception:
        logger.exception("could not draw the plan of %s", layer_plan.layer)
