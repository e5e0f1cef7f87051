"""A target folder with no committed Delta version: what an interrupted first create leaves.

A first `CREATE OR REPLACE TABLE ... AS` (or a first table write) cancelled, timed out or killed
before its commit leaves a folder of data files and `_delta_log/_staged_commits`, but no version.
Delta then refuses every later create there, and even DROP TABLE, with
DELTA_CREATE_EXTERNAL_TABLE_WITHOUT_TXN_LOG. Nothing in such a folder was ever committed, so no
one can have read it: it is removed before the next load of that target. Only the local
lakehouse keeps tables in folders of its own (`table_location`); Unity Catalog manages its
storage and commits a create atomically.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from medallion_orchestrator.metadata.model import TaskRow

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse

logger = logging.getLogger(__name__)

# a commit, a checkpoint (classic, multi-part or V2) or the pointer to one
_COMMITTED = re.compile(
    r"^\d{20}\.(json|checkpoint(\.\d+\.\d+|\.[\w-]+)?\.parquet)$|^_last_checkpoint$"
)


def has_committed_version(table_folder: Path) -> bool:
    log = table_folder / "_delta_log"
    return log.is_dir() and any(_COMMITTED.match(entry.name) for entry in log.iterdir())


def clear_uncommitted_target(lakehouse: Lakehouse, task: TaskRow) -> bool:
    """Remove the task's target folder if it holds no committed version; whether it did."""
    locate = getattr(lakehouse, "table_location", None)
    if locate is None or not (task.dst_catalog and task.dst_schema and task.dst_table_name):
        return False
    folder = Path(locate(task.dst_catalog, task.dst_schema, task.dst_table_name))
    if not folder.is_dir() or has_committed_version(folder):
        return False
    logger.warning(
        "%s: its folder %s holds no committed Delta version (an interrupted first create); "
        "removing it",
        task.destination,
        folder,
    )
    shutil.rmtree(folder)
    return True
