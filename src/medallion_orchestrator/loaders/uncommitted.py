"""A target folder with no committed Delta version: what an interrupted first create leaves.

A first `CREATE OR REPLACE TABLE ... AS` (or a first table write) cancelled, timed out or killed
before its commit leaves a folder of data files and `_delta_log/_staged_commits`, but no version.
Delta then refuses every later create there, and even DROP TABLE, with
DELTA_CREATE_EXTERNAL_TABLE_WITHOUT_TXN_LOG. Nothing in such a folder was ever committed, so no
one can have read it: `leaving_no_uncommitted_target` removes it when the load that left it
fails (cancelled, interrupted), and before the next load of that target (the process was
killed). Only the local lakehouse keeps tables in folders of its own (`table_location`); Unity
Catalog manages its storage and commits a create atomically.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from medallion_orchestrator.loaders.spec import LoadSpec

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

logger = logging.getLogger(__name__)

# a commit, a checkpoint (classic, multi-part or V2) or the pointer to one
_COMMITTED = re.compile(
    r"^\d{20}\.(json|checkpoint(\.\d+\.\d+|\.[\w-]+)?\.parquet)$|^_last_checkpoint$"
)


def has_committed_version(table_folder: Path) -> bool:
    log = table_folder / "_delta_log"
    return log.is_dir() and any(_COMMITTED.match(entry.name) for entry in log.iterdir())


def clear_uncommitted_target(lakehouse: Lakehouse, spec: LoadSpec) -> bool:
    """Remove the spec's target folder if it holds no committed version; whether it did."""
    folder = _uncommitted_folder(lakehouse, spec)
    if folder is None:
        return False
    logger.warning(
        "%s: its folder %s holds no committed Delta version (an interrupted first create); "
        "removing it",
        spec.destination,
        folder,
    )
    shutil.rmtree(folder)
    return True


@contextmanager
def leaving_no_uncommitted_target(lakehouse: Lakehouse, spec: LoadSpec) -> Iterator[None]:
    """Around one load of the spec: its target is left as it was when the load fails."""
    clear_uncommitted_target(lakehouse, spec)  # what a killed first create left
    try:
        yield
    except BaseException:
        try:
            if _uncommitted_folder(lakehouse, spec) is not None:
                _wait_for_cancelled_tasks(lakehouse.spark)
                clear_uncommitted_target(lakehouse, spec)
        except Exception:  # the load's own error is the news
            logger.exception("%s: could not clear what the failed load left", spec.destination)
        raise


def _uncommitted_folder(lakehouse: Lakehouse, spec: LoadSpec) -> Path | None:
    locate = getattr(lakehouse, "table_location", None)
    if locate is None:
        return None
    folder = Path(locate(*spec.dst))
    return folder if folder.is_dir() and not has_committed_version(folder) else None


def _wait_for_cancelled_tasks(spark: SparkSession, seconds: float = 30.0) -> None:
    """A cancelled job fails at once, while its running tasks still write their files until
    they are killed: wait for the tasks of this thread's job group to end."""
    group = spark.sparkContext.getLocalProperty("spark.jobGroup.id")
    if not group:
        return
    tracker = spark.sparkContext.statusTracker()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        jobs = [tracker.getJobInfo(job) for job in tracker.getJobIdsForGroup(group)]
        stages = [tracker.getStageInfo(stage) for job in jobs if job for stage in job.stageIds]
        if not any(stage.numActiveTasks for stage in stages if stage):
            return
        time.sleep(0.05)
