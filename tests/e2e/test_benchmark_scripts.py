"""The benchmark scripts still run against the package as it is: each is a process on a few
rows, which checks the loads' results (never their speed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.spark

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_the_wide_table_benchmark_loads_and_checks_its_tables(tmp_path: Path) -> None:
    script = BENCHMARKS / "scd2_vs_mack.py"
    arguments = ["--columns", "30", "--rows", "400", "--repeat", "1", "--home", str(tmp_path)]

    done = subprocess.run(
        [sys.executable, str(script), *arguments],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert "30 columns: 402 current (expected 402), 42 closed (expected 42): ok" in done.stdout
    assert "wide_over_narrow=" in done.stdout
