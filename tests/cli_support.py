"""The `medallion` command run as a user runs it: a new process each time, from the project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Each command is a new JVM doing little work: without the optimizing JIT it starts about 2 s
# sooner (about a quarter of a test command). Users' JVMs keep it: loads need it.
QUICK_JVM = {"JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1"}


def child_environment(**extra: str) -> dict[str, str]:
    """The environment of a `medallion` process started by a test."""
    return {**os.environ, "COLUMNS": "200", **QUICK_JVM, **extra}


def medallion(
    home: Path, *args: str, stdin: str | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "medallion_orchestrator", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        timeout=900,
        check=False,
        env=child_environment(),
    )
