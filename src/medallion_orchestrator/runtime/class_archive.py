"""A class-data-sharing archive of the JVM's classes: a local session starts in about half the time.

Each `medallion` command starts a JVM that loads the same ~20,000 Spark and Delta classes. Java's
class data sharing maps them from an archive instead (`-XX:SharedArchiveFile`). The first process
that finds no archive for this Java, pyspark and delta-spark writes one when it ends: it stops
Spark, asks the JVM to exit normally (the archive is written only then) and waits for it, about
8 s once. Another process meanwhile runs without one. A JVM that cannot use an archive (another
build) ignores it. `MEDALLION_CLASS_ARCHIVE=0` turns it off.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from medallion_orchestrator import variables

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)
QUIET = "-Xlog:cds*=off"  # an archive of another build is a warning on stdout; not ours to show


def archive_path(cache: Path, java: Path, java_major: int) -> Path:
    key = f"{java.resolve()}|{java_major}|{version('pyspark')}|{version('delta-spark')}"
    return cache / f"spark-{hashlib.sha256(key.encode()).hexdigest()[:16]}.jsa"


def java_options(archive: Path) -> tuple[str, bool]:
    """The JVM options, and whether this process writes the archive when it ends."""
    if not variables.class_archive_wanted():
        return "", False
    if archive.is_file():
        return f"-XX:SharedArchiveFile={archive} {QUIET}", False
    if not _claim(archive):
        return "", False
    return f"-XX:ArchiveClassesAtExit={_partial(archive)} {QUIET}", True


def write_at_exit(spark: SparkSession, archive: Path) -> None:
    atexit.register(_write, spark, archive)


def _write(spark: SparkSession, archive: Path) -> None:
    from pyspark import SparkContext

    process = getattr(spark.sparkContext._gateway, "proc", None)
    jvm = SparkContext._jvm
    logging.disable(logging.CRITICAL)  # the process is ending; py4j would log the JVM going away
    try:
        spark.stop()
        if jvm is not None:
            with contextlib.suppress(Exception):  # the connection ends with the JVM
                jvm.java.lang.System.exit(0)
        if process is not None:
            process.wait(timeout=300)
        if _partial(archive).is_file():
            _partial(archive).replace(archive)
    except Exception as error:  # an archive is a speed-up, never a reason to fail
        logger.debug("class archive not written: %s", error)
    finally:
        _lock(archive).unlink(missing_ok=True)


def _claim(archive: Path) -> bool:
    """One writer per archive: a lock file holding its pid; a dead writer's lock is taken over."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock(archive)
    for _ in range(2):
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if _alive(lock):
                return False
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(descriptor, "w") as file:
            file.write(str(os.getpid()))
        return True
    return False


def _alive(lock: Path) -> bool:
    try:
        pid = int(lock.read_text().strip() or "0")
        if pid <= 0:
            return False
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, FileNotFoundError):
        return False
    except PermissionError:
        return True
    return True


def _partial(archive: Path) -> Path:
    return archive.with_suffix(".jsa.partial")


def _lock(archive: Path) -> Path:
    return archive.with_suffix(".jsa.lock")
