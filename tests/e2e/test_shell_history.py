"""`medallion shell` on a terminal keeps its history in the home, as sqlite3 and psql do."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_support import ROOT, child_environment

pytestmark = pytest.mark.spark


def typed_on_a_terminal(home: Path, lines: list[str]) -> str:
    """Run the shell on a pseudo-terminal, type each line once it prompts; what it showed."""
    leader, follower = os.openpty()
    shell = subprocess.Popen(
        [sys.executable, "-m", "medallion_orchestrator", "shell", "--home", str(home)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=ROOT,
        env=child_environment(),
    )
    os.close(follower)
    shown, pending, deadline = b"", list(lines), time.monotonic() + 300
    while shell.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                shown += os.read(leader, 4096)
            except OSError:
                break
        if pending and shown.rstrip().endswith(b"sql>"):
            os.write(leader, (pending.pop(0) + "\n").encode())
            shown += b"\n"
    shell.wait(timeout=60)
    os.close(leader)
    return shown.decode(errors="replace")


def test_the_shell_keeps_its_history_between_sessions(tmp_path: Path) -> None:
    home = tmp_path / ".medallion"

    first = typed_on_a_terminal(home, ["SELECT 41 + 1 AS answer;", "\\q"])
    history = (home / "shell_history").read_text()
    second = typed_on_a_terminal(home, ["\\q"])

    assert "42" in first, first
    assert "SELECT 41 + 1 AS answer;" in history
    assert "sql>" in second and (home / "shell_history").read_text() == history
