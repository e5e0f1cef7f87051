"""The Delta jars on a machine that has never fetched them: two `medallion` commands started
together, as a user's shell and a scheduled job do. One fetches the jars, the other waits for it,
and both run; neither is told to check its network."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli_support import ROOT, child_environment
from medallion_orchestrator.runtime.jars import complete_jars, delta_version

pytestmark = pytest.mark.spark
MEDALLION = [sys.executable, "-m", "medallion_orchestrator"]


def test_two_first_starts_at_once_both_run(tmp_path: Path) -> None:
    fresh = tmp_path / "ivy"  # nothing fetched: both resolve from Maven Central, as on day one
    environment = child_environment(
        "off", MEDALLION_JARS_CACHE=str(fresh), MEDALLION_CLASS_ARCHIVE="0"
    )
    starts = [
        subprocess.Popen(
            [*MEDALLION, "sql", f"SELECT {n} AS n", "--home", str(tmp_path / f"home{n}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
            env=environment,
        )
        for n in (1, 2)
    ]
    outputs = [start.communicate(timeout=600)[0] for start in starts]

    assert [start.returncode for start in starts] == [0, 0], outputs
    assert complete_jars(fresh, delta_version())
