"""Ctrl-C while a statement of `medallion shell` or `medallion sql` runs: its Spark jobs are
cancelled, as in `psql` and PySpark's own shell; the shell's prompt comes back. A second Ctrl-C
during the same statement interrupts as before. The jobs are cancelled from another thread: the
main one waits in the JVM call that runs them, where neither a signal sent on by the server
(`server/process.py`) reaches it, nor may one be raised without breaking that call's connection
to the JVM."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TAG = "medallion-statement"
_active: Callable[[], bool] | None = None  # cancels the statement that runs


def cancel_active() -> bool:
    """Cancel the statement that runs, as a Ctrl-C would; whether this did (False: none runs,
    or it was cancelled already)."""
    active = _active
    return active is not None and active()


@contextmanager
def cancelled_by_ctrl_c(spark: SparkSession | None) -> Iterator[threading.Event]:
    """For the block, Ctrl-C cancels the jobs it starts; the event tells whether it did."""
    global _active
    cancelled, ended = threading.Event(), threading.Event()
    context = _context(spark)
    if context is None:
        yield cancelled
        return

    def cancel() -> bool:
        if cancelled.is_set():
            return False
        cancelled.set()
        threading.Thread(target=_cancelling, args=(context, ended), daemon=True).start()
        return True

    def on_ctrl_c(signum: int, frame: FrameType | None) -> None:
        if not cancel():
            raise KeyboardInterrupt

    main = threading.current_thread() is threading.main_thread()
    context.addJobTag(TAG)
    previous = signal.signal(signal.SIGINT, on_ctrl_c) if main else None
    _active = cancel
    try:
        yield cancelled
    finally:
        _active = None
        ended.set()
        if main:
            signal.signal(signal.SIGINT, previous)
        context.removeJobTag(TAG)


def _cancelling(context: Any, ended: threading.Event) -> None:
    """The statement's jobs cancelled until it ends: also those it starts after the Ctrl-C."""
    while True:
        context.cancelJobsWithTag(TAG)
        if ended.wait(0.2):
            return


def _context(spark: SparkSession | None) -> Any:
    """The session's SparkContext; None for Spark Connect, which has none in this process."""
    if spark is None:
        return None
    try:
        return spark.sparkContext
    except Exception:
        return None
