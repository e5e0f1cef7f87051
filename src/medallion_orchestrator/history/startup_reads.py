"""What a recorded run reads of its history before its first task, read while its metadata is.

Three reads, each on its own thread of the run's SparkSession, started with the run: are the
history tables complete (every table and column of this version, and the gold build view), the
layer's past durations, and who holds the layer's lock (which loads run_lock, so that the lock's
own read and its MERGE find it loaded). In a fresh JVM each is a cold Delta read of seconds; run
one after another behind the metadata's, they were most of the start-up. None writes, so they
start before the metadata is read and validated: a run refused then has written nothing. A read
that failed is done again, or its step done in full, when the run needs it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from medallion_orchestrator.history.lock_table import DeltaLockTable
from medallion_orchestrator.history.run_log import BUILD_STATE, HISTORY_TABLES, RunHistory
from medallion_orchestrator.metadata.ddl import add_columns_statement
from medallion_orchestrator.priorities import PastDurations

logger = logging.getLogger(__name__)
T = TypeVar("T")


class StartupReads:
    def __init__(self, history: RunHistory, layer: str, durations: bool = True) -> None:
        self.history = history
        self.layer = layer
        self._complete = _started("tables", lambda: tables_complete(history))
        self._durations = _started(
            "durations", lambda: history.durations(layer) if durations else {}
        )
        self._holder = _started("lock", self._read_holder)

    def ensure_tables(self) -> None:
        """Creates or completes the history tables, unless they were found complete."""
        if not _outcome(self._complete, False):
            self.history.ensure_tables()

    def durations(self) -> PastDurations:
        found = _outcome(self._durations, None)
        return found if found is not None else self.history.durations(self.layer)

    def _read_holder(self) -> None:
        if self._complete.result():
            DeltaLockTable(self.history).holder_of(self.layer)


def tables_complete(history: RunHistory) -> bool:
    """Every history table with every column of this version, and the gold build view: then
    `ensure_tables` has nothing to do (a check of seconds less than its DDL, in a fresh JVM)."""
    spark = history.lakehouse.spark
    for table in HISTORY_TABLES:
        physical = history.physical(table)
        if not spark.catalog.tableExists(physical):
            return False
        ddl = history.ddl_dir / f"{table}.sql"
        if add_columns_statement(ddl, table, spark.table(physical).columns) is not None:
            return False
    return bool(spark.catalog.tableExists(history.physical(BUILD_STATE)))


def _started(name: str, read: Callable[[], T]) -> Future[T]:
    """`read` on a daemon thread: a refused run's process need not wait for it to end."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(read())
        except BaseException as error:
            future.set_exception(error)

    threading.Thread(target=run, name=f"medallion-read-{name}", daemon=True).start()
    return future


def _outcome(future: Future[T], failed: T) -> T:
    """The read's value; `failed` when it raised (the step is then done in full)."""
    try:
        return future.result()
    except Exception as error:
        logger.debug("a start-up read failed, done again: %s", error)
        return failed
