"""How a notebook the orchestrator runs ends: `run_and_exit(dbutils, lambda: load(...))` exits
with the exit-value contract (`exit_contract.py`), success or failure, never raising."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from medallion_orchestrator.exit_contract import (
    CONTRACT,
    TRACEBACK_LIMIT,
    Loaded,
    failure_value,
    outcome_from_exit_value,
    success_value,
)
from medallion_orchestrator.notebook_support import target_as_left as from_widgets
from medallion_orchestrator.tasks import LoadReport

__all__ = [
    "CONTRACT",
    "TRACEBACK_LIMIT",
    "failure_value",
    "outcome_from_exit_value",
    "run_and_exit",
    "success_value",
]

logger = logging.getLogger(__name__)


def run_and_exit(
    dbutils: Any,
    load: Callable[[], Loaded],
    target_as_left: Callable[[], LoadReport | None] | None = None,
) -> None:
    """Run the load and end the notebook with its exit value; an error is reported, not raised.

    `target_as_left` reads the target after a failure; by default the table of the `task` widget
    in the notebook's Spark session (`notebook_support.target_as_left`).

    Every `Exception` is caught, the local engine's `NotebookTimedOut` included (it stops a
    notebook by raising that in it): the notebook exits FAILED naming it, while its caller has
    already stopped waiting (TIMED_OUT) or the run records it CANCELLED. `KeyboardInterrupt` and
    `SystemExit` are not caught. On Databricks a child past its timeout is stopped by Databricks
    and its caller's `notebook.run` raises a timeout error, whatever the child exits with.
    """
    try:
        value = success_value(load())
    except Exception as error:
        value = failure_value(error, _as_left(dbutils, target_as_left))
    dbutils.notebook.exit(value)


def _as_left(dbutils: Any, target_as_left: Callable[[], LoadReport | None] | None) -> LoadReport:
    """The target after a failed load; nothing known when reading it fails too."""
    try:
        if target_as_left is None:
            return from_widgets(dbutils)
        return target_as_left() or LoadReport()
    except Exception:
        logger.warning("could not read where the failed load left its target", exc_info=True)
        return LoadReport()
