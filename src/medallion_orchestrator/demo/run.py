"""`medallion demo`: bronze data, its metadata rows, then bronze_to_silver and silver_to_gold
run together: each gold table starts once the silver tables it reads have loaded."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from medallion_orchestrator.application import Application
from medallion_orchestrator.demo.bronze import DATA_FOLDER, write_bronze
from medallion_orchestrator.execution.progress import RunProgress
from medallion_orchestrator.execution.results import RunResult
from medallion_orchestrator.metadata.files import read_rows
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.run_request import RunRequest
from medallion_orchestrator.run_together import run_layers

logger = logging.getLogger(__name__)
LAYERS = ("bronze_to_silver", "silver_to_gold")


Watch = Callable[[RunProgress], AbstractContextManager[object]]


def run_demo(
    app: Application,
    day: int = 1,
    max_workers: int | None = None,
    watch: Watch = lambda _: nullcontext(),
) -> list[RunResult]:
    """The two layers' runs, watched together (a live display of their progress, say)."""
    request = RunRequest(LAYERS, max_workers=max_workers)  # refused before anything is written
    app.repository.init()
    rows = read_rows(app.layout.root / "metadata" / "demo")
    if day == 2:  # day 2 also changes one gold table's SQL (see the file)
        rows = _merged(rows, read_rows(app.layout.root / "metadata" / "demo_day2"))
    counts = app.repository.upsert(rows)
    logger.info("metadata rows: %d inserted, %d updated", counts.inserted, counts.updated)
    tables = write_bronze(app.lakehouse, day, app.layout.root / DATA_FOLDER)
    logger.info("bronze day %d: %d tables written", day, len(tables))
    progress = RunProgress(app.clock)
    with watch(progress):
        return run_layers(app, request, progress=progress)


def _merged(rows: list[TaskRow], changes: list[TaskRow]) -> list[TaskRow]:
    changed = {row.destination: row for row in changes}
    return [changed.pop(row.destination, row) for row in rows] + list(changed.values())
