"""`medallion shell` on a terminal, typed at line by line, in the home's server and in a JVM of
its own: it keeps its history in the home, as sqlite3 and psql do, and a Ctrl-C at a prompt drops
the statement being typed and nothing else."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli_support import ROOT, child_environment, medallion

pytestmark = pytest.mark.spark

CTRL_C = object()  # a Ctrl-C typed at the prompt
STOP_THE_SERVER = object()  # `medallion server stop` in another terminal, then a line typed
NEVER_ENDS = "SELECT max(id) AS never FROM range(0, 100000000000000);"  # days on 2 cores
PROMPTS = (b"sql>", b"....>")
SERVERS = ["auto", "off"]


@dataclass(frozen=True)
class Typed:
    shown: str
    code: int


def typed_on_a_terminal(
    home: Path, lines: list[object], server: str = "auto", said: list[str] | None = None
) -> Typed:
    """Run the shell on a pseudo-terminal; at each prompt, type the next line (or Ctrl-C).
    After NEVER_ENDS, Ctrl-C is typed 2 s after the terminal showed it, while it runs.
    STOP_THE_SERVER's output goes to `said`."""
    leader, follower = os.openpty()
    shell = subprocess.Popen(
        [sys.executable, "-m", "medallion_orchestrator", "shell", "--home", str(home)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=ROOT,
        env=child_environment(server),
    )
    os.close(follower)
    shown, pending, deadline = b"", list(lines), time.monotonic() + 900
    answered = 0  # what was shown when the last line was typed: a prompt comes after it
    while shell.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                shown += os.read(leader, 4096)
            except OSError:
                break
        if pending and shown[answered:].rstrip().endswith(PROMPTS):
            line = pending.pop(0)
            if line is CTRL_C:  # as the terminal sends it to the process in the foreground
                _waiting_for_a_key(shell.pid)
                shell.send_signal(signal.SIGINT)
                shown += b" <Ctrl-C>"
            elif line is STOP_THE_SERVER:
                (said if said is not None else []).append(medallion(home, "server", "stop").stdout)
                os.write(leader, b"SELECT 1;\n")
            else:
                os.write(leader, (str(line) + "\n").encode())
            answered = len(shown)
            if line == NEVER_ENDS:
                shown += _shown_within(leader, 2.0)
                shell.send_signal(signal.SIGINT)
                shown += b" <Ctrl-C while it ran>"
    try:
        code = shell.wait(timeout=60)
    finally:
        shell.kill()
        os.close(leader)
    return Typed(shown.decode(errors="replace"), code)


def _waiting_for_a_key(pid: int, seconds: float = 30.0) -> None:
    """Waits until the process sleeps in select() on the terminal, as a person's Ctrl-C finds
    it. A SIGINT that comes between readline drawing the prompt and its select() is seen only
    at the next key (CPython's readline checks signals when select() is interrupted), as in
    Python's own REPL: under load that window is wide enough for a test to hit."""
    wchan, until = Path(f"/proc/{pid}/wchan"), time.monotonic() + seconds
    while time.monotonic() < until:
        try:
            if wchan.read_text().startswith(("poll_schedule_timeout", "do_select")):
                return
        except OSError:  # the process ended: the caller sees it
            return
        time.sleep(0.05)


def _shown_within(leader: int, seconds: float) -> bytes:
    shown, until = b"", time.monotonic() + seconds
    while (left := until - time.monotonic()) > 0:
        if select.select([leader], [], [], left)[0]:
            shown += os.read(leader, 4096)
    return shown


@pytest.mark.parametrize("server", SERVERS)
def test_the_shell_keeps_its_history_between_sessions(tmp_path: Path, server: str) -> None:
    home = tmp_path / ".medallion"

    first = typed_on_a_terminal(home, ["SELECT 41 + 1 AS answer;", "\\q"], server)
    history = (home / "shell_history").read_text()
    second = typed_on_a_terminal(home, ["\\q"], server)

    assert first.code == 0 and "42" in first.shown, first.shown
    assert "SELECT 41 + 1 AS answer;" in history
    assert "sql>" in second.shown and (home / "shell_history").read_text() == history


@pytest.mark.parametrize("server", SERVERS)
def test_ctrl_c_at_a_prompt_drops_the_statement_typed_and_the_shell_goes_on(
    tmp_path: Path, server: str
) -> None:
    home = tmp_path / ".medallion"
    lines = [
        "CREATE TABLE typed AS SELECT 1 AS x;",
        "SELECT x + 1 AS dropped",
        CTRL_C,
        "SELECT x + 41 AS answer FROM typed;",
        CTRL_C,
        CTRL_C,
        "SHOW TABLES;",
        "\\q",
    ]

    typed = typed_on_a_terminal(home, lines, server)

    assert typed.code == 0, typed.shown
    assert "│ 42 " in typed.shown, typed.shown
    assert "dropped" not in typed.shown.split("<Ctrl-C>", 1)[1], typed.shown
    assert "error" not in typed.shown and "exiting now" not in typed.shown, typed.shown
    assert "│ typed " in typed.shown.rsplit("<Ctrl-C>", 1)[1], typed.shown  # its session's
    served = (home / "logs" / "server.log").read_text() if server == "auto" else ""
    assert ("medallion shell --home" in served) == (server == "auto"), served


@pytest.mark.parametrize("server", SERVERS)
def test_ctrl_c_while_a_statement_runs_cancels_it_and_the_prompt_comes_back(
    tmp_path: Path, server: str
) -> None:
    home = tmp_path / ".medallion"

    typed = typed_on_a_terminal(home, [NEVER_ENDS, "SELECT 6 * 7 AS answer;", "\\q"], server)

    assert typed.code == 0, typed.shown
    after = typed.shown.split("<Ctrl-C while it ran>", 1)[1]
    assert after.lstrip().startswith("cancelled"), typed.shown
    assert "│ 42 " in after, typed.shown


def test_a_server_stopped_while_a_shell_waits_at_its_prompt_ends_the_shell(tmp_path: Path) -> None:
    """As psql finds its server gone, the shell says so at the next line typed."""
    home = tmp_path / ".medallion"
    said: list[str] = []

    typed = typed_on_a_terminal(home, ["SELECT 1;", STOP_THE_SERVER], "auto", said)

    assert said[0].startswith("stopping `medallion shell --home"), said
    assert "server stopped" in said[0], said
    assert typed.code == 130, typed.shown
    assert typed.shown.rstrip().endswith("medallion server: stopped, and this command with it")
    assert medallion(home, "server", "status").stdout.startswith("no server runs"), typed.shown
