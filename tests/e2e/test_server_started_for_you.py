"""The first command typed on a home starts its server; the next ones run in it, until it has been
idle long enough. Every command here is a process of its own, as a user types it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from e2e.project_support import command, csv_rows, environment, medallion, project_with

pytestmark = pytest.mark.spark

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "medallion_orchestrator"
STARTING = "starting a warm server for this home: later commands start in about a second"


def _server_log(home: Path) -> str:
    return (home / "logs" / "server.log").read_text()


def _no_server_within(project: Path, home: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = medallion(project, home, "server", "status")
        if status.returncode == 1:
            return True
        time.sleep(1)
    return False


def test_two_first_commands_start_one_server_that_stops_when_idle(tmp_path: Path) -> None:
    project, home = project_with(tmp_path, {}), tmp_path / "home"
    idle = {"MEDALLION_SERVER_IDLE_MINUTES": "0.25"}
    first = [
        subprocess.Popen(
            command(home, "sql", f"SELECT {n} AS n", "--format", "csv"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(project, warm_up=True) | idle,
        )
        for n in (1, 2)
    ]
    outputs = [process.communicate(timeout=600) for process in first]
    again = subprocess.run(
        command(home, "sql", "SELECT 3 AS n", "--format", "csv"),
        capture_output=True,
        text=True,
        env=environment(project, warm_up=True) | idle,
        timeout=300,
        check=False,
    )
    status = medallion(project, home, "server", "status")

    assert [process.returncode for process in first] == [0, 0], outputs
    assert sorted(stdout.splitlines()[1:] for stdout, _ in outputs) == [["1"], ["2"]]
    starts = [stderr for _, stderr in outputs if STARTING in stderr]
    assert len(starts) == 1, outputs
    assert f"creating a new local lakehouse in {home}" in starts[0]
    assert "stops after 0.25 idle minutes" in starts[0]
    assert _server_log(home).count("ready on") == 1
    assert csv_rows(again) == ["3"] and again.stderr == ""
    assert status.returncode == 0 and "it stops after 0.25 idle minutes" in status.stdout

    assert _no_server_within(project, home, 120)
    log = _server_log(home)
    assert "no command for 0.25 minutes: stopping" in log
    assert log.index("ready on") < log.index("warmed up in")  # the commands did not wait for it


def test_a_server_on_other_code_or_settings_is_started_again_on_these(tmp_path: Path) -> None:
    """The package edited (or upgraded), or a JVM setting changed, since the server started: in
    auto mode the idle server is replaced; `MEDALLION_SERVER=manual` leaves it and runs the
    command in its own JVM."""
    project, home = project_with(tmp_path, {}), tmp_path / "home"
    started = medallion(project, home, "sql", "SELECT 1 AS one", "--format", "csv")
    assert csv_rows(started) == ["1"] and STARTING in started.stderr
    edited = tmp_path / "src"
    shutil.copytree(PACKAGE, edited / PACKAGE.name, copy_function=shutil.copy)  # newer files
    newer = environment(project) | {"PYTHONPATH": str(edited)}

    def typed(*extra: tuple[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command(home, "sql", "SELECT 2 AS two", "--format", "csv"),
            capture_output=True,
            text=True,
            env=newer | dict(extra),
            timeout=600,
            check=False,
        )

    manual = typed(("MEDALLION_SERVER", "manual"))
    replaced = typed()
    served = typed()
    bigger = typed(("MEDALLION_DRIVER_MEMORY", "3g"))  # a JVM setting, as a user sets one
    served_bigger = typed(("MEDALLION_DRIVER_MEMORY", "3g"))

    assert manual.stderr.startswith("medallion server: it runs the code and JVM settings it")
    assert csv_rows(manual) == ["2"]
    restarting = "restarting the server on this code and JVM settings for this home"
    assert replaced.stderr.startswith(restarting) and bigger.stderr.startswith(restarting)
    assert csv_rows(replaced) == csv_rows(bigger) == ["2"]
    for again in (served, served_bigger):
        assert csv_rows(again) == ["2"] and again.stderr == ""
    log = _server_log(home)
    assert log.count("ready on") == 3
    # started with MEDALLION_SERVER_WARM_UP=0 (tests/cli_support.py), as a CI home may be
    assert log.count("no warm-up (MEDALLION_SERVER_WARM_UP=0)") == 3 and "warmed up" not in log


def test_a_server_that_cannot_listen_safely_leaves_the_command_to_its_own_jvm(
    tmp_path: Path,
) -> None:
    project, home = project_with(tmp_path, {}), tmp_path / "home"
    shared = tmp_path / "tmp"
    (shared / f"medallion-{os.getuid()}").mkdir(parents=True, mode=0o777)
    (shared / f"medallion-{os.getuid()}").chmod(0o777)
    answered = subprocess.run(
        command(home, "sql", "SELECT 1 AS one", "--format", "csv"),
        capture_output=True,
        text=True,
        env=environment(project) | {"TMPDIR": str(shared)},
        timeout=600,
        check=False,
    )

    assert csv_rows(answered) == ["1"]
    assert answered.stderr.splitlines() == [
        f"the server cannot listen safely: {shared}/medallion-{os.getuid()} must belong to this "
        f"user alone (chmod 700 {shared}/medallion-{os.getuid()}); this command runs in its own "
        "JVM",
        f"creating a new local lakehouse in {home}",
    ]
