"""Which class archive a JVM may map: one written from the very jar files of its class path.

Java maps an archive only if each jar on the class path has the size and modification time it had
when the archive was written; otherwise it loads every class from the jars again, silently. A
reinstalled pyspark (a new virtual environment, `pip install --force-reinstall`) has the same
version and new files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from medallion_orchestrator.runtime.class_archive import (
    archivable,
    archive_path,
    claim,
    mapped_by,
    release,
    remove_unused,
)

JAVA = Path("/usr/bin/java")


def ended_pid() -> int:
    """The pid of a process that has ended."""
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(finished.stdout)


def jars_in(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    jars = [folder / "spark-core.jar", folder / "delta-spark.jar"]
    for jar in jars:
        jar.write_bytes(b"PK")
    return jars


def test_the_same_jars_find_the_same_archive(tmp_path: Path) -> None:
    jars = jars_in(tmp_path / "jars")

    assert archive_path(tmp_path, JAVA, 17, jars) == archive_path(tmp_path, JAVA, 17, jars)


def test_a_reinstalled_jar_gets_an_archive_of_its_own(tmp_path: Path) -> None:
    jars = jars_in(tmp_path / "jars")
    before = archive_path(tmp_path, JAVA, 17, jars)
    stat = jars[0].stat()
    os.utime(jars[0], ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    assert archive_path(tmp_path, JAVA, 17, jars) != before


def test_the_same_jars_in_another_environment_get_an_archive_of_their_own(tmp_path: Path) -> None:
    first = archive_path(tmp_path, JAVA, 17, jars_in(tmp_path / "one"))

    assert archive_path(tmp_path, JAVA, 17, jars_in(tmp_path / "two")) != first


def test_another_java_gets_an_archive_of_its_own(tmp_path: Path) -> None:
    jars = jars_in(tmp_path / "jars")

    assert archive_path(tmp_path, JAVA, 17, jars) != archive_path(tmp_path, JAVA, 21, jars)


def test_an_archive_is_mapped_when_the_process_maps_its_file(tmp_path: Path) -> None:
    archive = tmp_path / "spark-0123.jsa"
    maps = tmp_path / "maps"
    maps.write_text(
        "7f6eb1000000-7f6eb1454000 rw-p 00000000 08:01 1 /usr/lib/jvm/lib/server/classes.jsa\n"
        f"7f6eb1bc7000-7f6eb56b0000 rw-p 00000000 08:01 2 {archive}\n"
    )

    assert mapped_by(maps, archive) is True


def test_an_archive_the_jvm_refused_is_not_mapped(tmp_path: Path) -> None:
    maps = tmp_path / "maps"
    maps.write_text(
        "7f6eb1000000-7f6eb1454000 rw-p 00000000 08:01 1 /usr/lib/jvm/lib/server/classes.jsa\n"
    )

    assert mapped_by(maps, tmp_path / "spark-0123.jsa") is False


def test_without_a_maps_file_nothing_is_known(tmp_path: Path) -> None:
    assert mapped_by(tmp_path / "no-such-maps", tmp_path / "spark-0123.jsa") is None


def test_archives_unread_for_a_week_are_removed_when_one_is_written(tmp_path: Path) -> None:
    now = 1_800_000_000.0
    kept, recent, unused = (tmp_path / f"spark-{name}.jsa" for name in ("kept", "recent", "old"))
    for archive, days in ((kept, 30), (recent, 2), (unused, 8)):
        archive.write_bytes(b"CDS")
        os.utime(archive, (now - days * 86400, now - days * 86400))
    (tmp_path / "spark-writing.jsa.partial").write_bytes(b"CDS")
    (tmp_path / "spark-writing.jsa.lock").write_text(str(os.getpid()))
    (tmp_path / "spark-killed.jsa.partial").write_bytes(b"CDS")
    (tmp_path / "spark-killed.jsa.lock").write_text(str(ended_pid()))

    remove_unused(tmp_path, keep=kept, now=now)

    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "spark-kept.jsa",
        "spark-killed.jsa.lock",
        "spark-recent.jsa",
        "spark-writing.jsa.lock",
        "spark-writing.jsa.partial",
    ]


def test_a_configuration_folder_on_the_class_path_gets_an_archive_of_its_own(
    tmp_path: Path,
) -> None:
    jars = jars_in(tmp_path / "jars")
    plain = archive_path(tmp_path, JAVA, 17, jars, {})

    assert archive_path(tmp_path, JAVA, 17, jars, {"SPARK_CONF_DIR": str(tmp_path)}) != plain
    assert archive_path(tmp_path, JAVA, 17, jars, {"HADOOP_CONF_DIR": str(tmp_path)}) != plain


def test_no_archive_is_written_with_a_configuration_folder_on_the_class_path(
    tmp_path: Path,
) -> None:
    settings = tmp_path / "conf"
    settings.mkdir()
    assert archivable({"SPARK_CONF_DIR": str(settings)})
    (settings / "spark-defaults.conf").write_text("spark.eventLog.enabled true\n")

    assert not archivable({"SPARK_CONF_DIR": str(settings)})
    assert not archivable({"HADOOP_CONF_DIR": str(settings)})
    assert not archivable({"SPARK_DIST_CLASSPATH": f"/nowhere.jar{os.pathsep}{settings}"})
    assert not archivable({"SPARK_HOME": str(tmp_path)})
    assert archivable({"SPARK_HOME": str(tmp_path), "SPARK_CONF_DIR": str(tmp_path / "none")})
    assert archivable({})


def test_one_process_writes_an_archive_at_a_time(tmp_path: Path) -> None:
    archive = tmp_path / "classes" / "spark-0123.jsa"

    assert claim(archive)
    assert not claim(archive)  # this process is alive and holds it
    release(archive)
    assert claim(archive)


def test_the_claim_of_a_writer_that_died_is_taken_over(tmp_path: Path) -> None:
    archive = tmp_path / "spark-0123.jsa"
    archive.with_suffix(".jsa.lock").write_text(str(ended_pid()))

    assert claim(archive)
