"""A recorded run's timeline for the command line, the demo and the orchestrator notebook.

What each task waited for comes from the layer's metadata rows as they are now (the history
does not record it): see `history.timeline`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from medallion_orchestrator.application import Application
from medallion_orchestrator.errors import InvalidMetadata
from medallion_orchestrator.history.timeline_view import recorded_timeline, show_timeline
from medallion_orchestrator.runtime.databricks_runtime import on_databricks

logger = logging.getLogger(__name__)
TIMELINES = "timelines"  # the demo's, under --home


def planned_depends_on(app: Application, layer: str) -> dict[str, tuple[str, ...] | None]:
    """What each task of the layer waits for by its rows now; none if they are not valid now,
    and the timeline keeps the recorded execution_order rule."""
    from medallion_orchestrator.orchestration import plan

    try:
        return {task.key: task.depends_on for task in plan(app, layer).tasks}
    except InvalidMetadata:
        return {}


def report_timeline(
    app: Application, run_id: str, path: Path | None, previous_run_id: str | None, out: TextIO
) -> None:
    """`medallion runs RUN_ID --timeline PATH --compare PREVIOUS_RUN_ID`."""
    depends_on = _depends_on_of(app)
    show_timeline(app.run_history, run_id, path, previous_run_id, depends_on, out)


def demo_timeline(app: Application, run_id: str, out: TextIO) -> Path:
    path = app.home / TIMELINES / f"{run_id}.html"
    show_timeline(app.run_history, run_id, path, None, _depends_on_of(app), out)
    return path


def display_timeline(app: Application, run_id: str, display_html: Callable[[str], object]) -> None:
    """The run's picture in a Databricks notebook (plotly.js inside). Elsewhere nothing: the
    local engine's displayHTML prints. A failure here is only logged: it never hides the run's
    own result."""
    from medallion_orchestrator.history.timeline_figure import timeline_figure

    if not on_databricks():
        return
    try:
        timeline = recorded_timeline(app.run_history, run_id, _depends_on_of(app))
        display_html(timeline_figure(timeline).to_html(include_plotlyjs=True, full_html=False))
    except Exception:
        logger.exception("could not draw the timeline of run %s", run_id)


def _depends_on_of(app: Application) -> Callable[[str], dict[str, tuple[str, ...] | None]]:
    return lambda layer: planned_depends_on(app, layer)
