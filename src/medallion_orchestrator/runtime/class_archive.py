"""A class-data-sharing archive of the JVM's classes: a local session starts in about half the time.

Each `medallion` command starts a JVM that loads the same ~28,000 Spark and Delta classes. Java's
class data sharing maps them from an archive instead (`-XX:SharedArchiveFile`). The first process
that finds no archive starts one short process in the background (`archive_writer`): it runs a
few Delta statements in a JVM that writes the archive as it exits, about 20 s once. Processes
started meanwhile run without one; a long-lived process (a test session, a shell) never holds the
others back by writing it only when it ends. `MEDALLION_CLASS_ARCHIVE=0` turns it off.

Java maps an archive only if every jar on the class path has the size and time it had when the
archive was written; otherwise it loads each class from the jars again, and says nothing. So an
archive belongs to the jar files themselves, not to their versions (a reinstalled pyspark has new
files), and one a JVM did not map is removed and written again.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from medallion_orchestrator import variables

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)
UNUSED_SECONDS = 7 * 24 * 3600
# what else spark-class puts on the JVM's class path (launcher's AbstractCommandBuilder)
CLASS_PATH_VARIABLES = (
    "SPARK_HOME",
    "SPARK_CONF_DIR",
    "SPARK_DIST_CLASSPATH",
    "HADOOP_CONF_DIR",
    "YARN_CONF_DIR",
)
WRITER = "medallion_orchestrator.runtime.archive_writer"
QUIET = "-Xlog:cds*=off"  # an archive of another build is a warning on stdout; not ours to show


def archive_path(
    cache: Path,
    java: Path,
    java_major: int,
    class_path: Iterable[Path],
    launch: Mapping[str, str] = os.environ,
) -> Path:
    """The archive of this Java, these very jar files and the folders Spark's launcher puts on
    the class path beside them (configuration folders, from `launch`'s variables)."""
    folders = "|".join(f"{name}={launch.get(name, '')}" for name in CLASS_PATH_VARIABLES)
    key = hashlib.sha256(f"{java.resolve()}|{java_major}|{folders}".encode())
    for jar in class_path:
        stat = jar.stat()
        key.update(f"|{jar.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return cache / f"spark-{key.hexdigest()[:16]}.jsa"


def spark_class_path() -> list[Path]:
    """The jars a local JVM starts with: those of the Spark that pyspark launches."""
    import pyspark

    spark_home = Path(os.environ.get("SPARK_HOME") or Path(pyspark.__file__).parent)
    return sorted((spark_home / "jars").glob("*.jar"))


def drop_if_refused(spark: SparkSession, archive: Path, launched: float) -> None:
    """Remove the archive this JVM was given if it did not map it (written from other jar
    files, or by another Java build), unless another process has written it since the launch,
    and have a new one written."""
    process = getattr(spark.sparkContext._gateway, "proc", None)
    if process is None or mapped_by(Path(f"/proc/{process.pid}/maps"), archive) is not False:
        return
    with contextlib.suppress(FileNotFoundError):
        if archive.stat().st_mtime < launched:
            logger.debug("class archive %s was not mapped; written again", archive)
            archive.unlink()
            write_in_background(archive)


def mapped_by(maps: Path, archive: Path) -> bool | None:
    """Whether the process whose memory map `maps` is (/proc/<pid>/maps) maps `archive`; None
    where there is no such file to read."""
    try:
        lines = maps.read_text().splitlines()
    except OSError:
        return None
    name = str(archive.resolve())
    return any(line.endswith(f" {name}") for line in lines)


def java_options(archive: Path) -> str:
    """The JVM option that maps the archive; none while it is not written (its writing is then
    started in the background)."""
    if not variables.class_archive_wanted() or not archivable(os.environ):
        return ""
    if archive.is_file():
        return f"-XX:SharedArchiveFile={archive} {QUIET}"
    write_in_background(archive)
    return ""


def write_in_background(archive: Path) -> None:
    """Start `archive_writer` for `archive` unless a live process is writing it: detached, so
    that Ctrl-C on this command, or its end, does not stop it."""
    if _alive(_lock(archive)):
        return
    with contextlib.suppress(OSError):
        subprocess.Popen(
            [sys.executable, "-m", WRITER, str(archive)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )


def writing_options(archive: Path) -> str:
    return f"-XX:ArchiveClassesAtExit={_partial(archive)} {QUIET}"


def archivable(launch: Mapping[str, str]) -> bool:
    """Whether Java can write an archive for this launch: not with a non-empty folder on the
    class path, as SPARK_CONF_DIR or HADOOP_CONF_DIR put there ("Cannot have non-empty directory
    in paths", printed as the process ends)."""
    folders = [launch.get(name, "") for name in CLASS_PATH_VARIABLES[1:]]
    if not launch.get("SPARK_CONF_DIR") and launch.get("SPARK_HOME"):
        folders.append(str(Path(launch["SPARK_HOME"]) / "conf"))
    entries = [Path(entry) for value in folders for entry in value.split(os.pathsep) if entry]
    return not any(entry.is_dir() and any(entry.iterdir()) for entry in entries)


def claim(archive: Path) -> bool:
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


def finish(spark: SparkSession, archive: Path) -> None:
    """Stop the writing JVM, which writes the archive as it exits normally, and put the archive
    in place; the claim is given up in any case."""
    from pyspark import SparkContext

    process = getattr(spark.sparkContext._gateway, "proc", None)
    jvm = SparkContext._jvm
    logging.disable(logging.CRITICAL)  # py4j would log the JVM going away
    try:
        spark.stop()
        if jvm is not None:
            with contextlib.suppress(Exception):  # the connection ends with the JVM
                jvm.java.lang.System.exit(0)
        if process is not None:
            process.wait(timeout=300)
        if _partial(archive).is_file():
            _partial(archive).replace(archive)
            remove_unused(archive.parent, keep=archive, now=time.time())
    finally:
        release(archive)


def release(archive: Path) -> None:
    _lock(archive).unlink(missing_ok=True)


def remove_unused(cache: Path, keep: Path, now: float) -> None:
    """Archives of jar files no JVM has read for a week (an old virtual environment's), each
    about 150 MB, and the partial archives of writers that died. One still in use is written
    again by its next process, once."""
    for archive in cache.glob("spark-*.jsa"):
        with contextlib.suppress(OSError):
            stat = archive.stat()
            if archive != keep and now - max(stat.st_atime, stat.st_mtime) > UNUSED_SECONDS:
                archive.unlink()
    for partial in cache.glob("spark-*.jsa.partial"):
        if not _alive(_lock(partial.with_suffix(""))):
            partial.unlink(missing_ok=True)


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
