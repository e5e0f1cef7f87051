"""The benchmark scripts still run against the package as it is: each is a process on a few
rows, which checks the loads' results (never their speed), its expressions interpreted as the
other test processes' are (cli_support.QUICK_JVM)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_support import QUICK_JVM

pytestmark = pytest.mark.spark

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_the_wide_table_benchmark_loads_and_checks_its_tables(tmp_path: Path) -> None:
    arguments = ["--columns", "30", "--rows", "400", "--repeat", "1", "--home", str(tmp_path)]

    done = scd2_vs_mack(arguments)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "30 columns: 402 current (expected 402), 42 closed (expected 42): ok" in done.stdout
    assert "wide_over_narrow=" in done.stdout


def test_the_scd2_benchmark_compares_both_modes_and_checks_its_tables(tmp_path: Path) -> None:
    arguments = ["--rows", "400", "--repeat", "1", "--home", str(tmp_path)]

    done = scd2_vs_mack(arguments)

    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("ours: 402 current (expected 402), 42 closed (expected 42): ok") == 2
    for mode in ("off", "on"):
        assert f"SCD2 day 2, deletion vectors {mode}: first ours " in done.stdout, done.stdout
    assert done.stdout.count("no new version: ok") == 2


def scd2_vs_mack(arguments: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / "scd2_vs_mack.py"), *arguments],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, **QUICK_JVM},
    )
