"""The `medallion` command run as a user runs it: a new process each time, from the project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
        env={**os.environ, "COLUMNS": "200"},
    )
