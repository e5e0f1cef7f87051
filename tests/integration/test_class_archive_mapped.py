"""The class archive on a real JVM: one that cannot be mapped (written from other jar files, as
after a reinstall) is removed by the first process that finds it, which starts a new one's
writing in the background; the process after that maps it. Each step is its own `python`
process, as each `medallion` command is."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_support import ROOT, child_environment
from medallion_orchestrator.runtime import class_archive
from medallion_orchestrator.runtime.jars import ivy_dir
from medallion_orchestrator.runtime.java import check_java, java_executable

pytestmark = pytest.mark.spark

START = """
import json, sys
from pathlib import Path
from medallion_orchestrator.runtime import class_archive
from medallion_orchestrator.runtime.java import check_java, java_executable
from medallion_orchestrator.runtime.local_spark import class_cache, local_spark

spark = local_spark(Path(sys.argv[1]), cores=1)
archive = class_archive.archive_path(
    class_cache(), java_executable(), check_java(), class_archive.spark_class_path()
)
jvm = spark.sparkContext._gateway.proc.pid
mapped = class_archive.mapped_by(Path(f"/proc/{jvm}/maps"), archive)
print(json.dumps({"archive": str(archive), "mapped": mapped, "rows": spark.range(3).count()}))
"""


def start(home: Path, cache: Path) -> dict[str, object]:
    finished = subprocess.run(
        [sys.executable, "-c", START, str(home)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
        env=child_environment(MEDALLION_JARS_CACHE=str(cache)),
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    result: dict[str, object] = json.loads(finished.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.skipif(not Path("/proc/self/maps").is_file(), reason="reads /proc/<pid>/maps")
def test_an_archive_the_jvm_cannot_map_is_replaced_by_one_it_maps(tmp_path: Path) -> None:
    cache = tmp_path / "ivy"
    shutil.copytree(ivy_dir(), cache)  # the jars already fetched; the class archives its own
    archive = class_archive.archive_path(
        tmp_path / "classes", java_executable(), check_java(), class_archive.spark_class_path()
    )
    archive.parent.mkdir()
    archive.write_bytes(b"an archive of other jar files" * 1000)

    refused = start(tmp_path / "home", cache)
    assert (refused["archive"], refused["mapped"], refused["rows"]) == (str(archive), False, 3)

    assert written(archive)
    assert start(tmp_path / "home", cache)["mapped"] is True


def written(archive: Path) -> bool:
    """Whether the background writer put `archive` in place and gave up its claim."""
    lock = archive.with_suffix(".jsa.lock")
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if archive.is_file() and archive.stat().st_size > 1_000_000 and not lock.exists():
            return True
        time.sleep(1)
    return False
