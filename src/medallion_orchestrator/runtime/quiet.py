"""Quiet by default: what Spark and its JVM print goes to a log file under the home, not the screen.

The JVM writes to the process's standard error from its first moment (`WARNING: Using incubator
modules`, Ivy's resolution report, log4j); pyspark logs every analysis error as JSON on its own
handlers. A person reads one line per error from us instead; `--verbose` shows it all.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from medallion_orchestrator import variables


def quiet_pyspark_loggers() -> None:
    """Created as pyspark creates them (PySparkLogger), then silenced: never a plain Logger."""
    try:
        from pyspark.logger import PySparkLogger
    except ImportError:
        return
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


@contextlib.contextmanager
def jvm_output_to(log_file: Path) -> Iterator[None]:
    """The JVM started inside inherits this standard error: the log file, for its whole life."""
    if variables.verbose():
        yield
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    saved = os.dup(2)
    target = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(target, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(target)
