"""`medallion server start`: commands on its home run in one warm JVM, each as it runs on its own.

Every command here is a process of its own, as a user types it. What each must still do as a
process of its own does: its own session (a `USE` stays its own), output, exit code and one-line
errors; Ctrl-C, SIGTERM and a killed terminal stop its run and record it; a killed server leaves a
run that the next run takes over.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.project_support import commits, csv_rows, medallion, project_with, rows_yaml, start
from e2e.readme_support import run_commands
from e2e.test_stop_a_run import (
    LAST_RUN,
    SLOW,
    TARGETS,
    assert_recorded_stopped,
    row,
    wait_until_started,
)

pytestmark = pytest.mark.spark

QUICK = """import json

dbutils.notebook.exit(json.dumps({"status": "SUCCESS", "message": "quick"}))
"""
ORDERS = [("a", 1), ("b", 1), ("c", 2)]
SERVED = re.compile(r"server ready for (?P<home>\S+) \(pid (?P<pid>\d+), [\d.]+ s\)")


def _serve(project: Path, home: Path) -> int:
    started = medallion(project, home, "server", "start", warm_up=True)
    assert started.returncode == 0, started.stdout + started.stderr
    found = SERVED.search(started.stdout)
    assert found, started.stdout
    assert "warmed up in" in (home / "logs" / "server.log").read_text()  # start waits for it
    return int(found["pid"])


def _stop(project: Path, home: Path) -> None:
    stopped = medallion(project, home, "server", "stop")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Path, int]]:
    """A project whose layer `stoppable` has two slow tasks, then a third after them (as in
    test_stop_a_run), and a server on its home."""
    root = tmp_path_factory.mktemp("served")
    never_written = root / "never-written"
    os.mkfifo(never_written)
    project, home = project_with(root, {"slow": SLOW}), root / "home"
    pid = _serve(project, home)
    rows = root / "rows.yml"
    rows.write_text(rows_yaml([row(name, order, never_written) for name, order in ORDERS]))
    yield project, home, rows, pid
    with contextlib.suppress(OSError):
        os.close(os.open(never_written, os.O_WRONLY | os.O_NONBLOCK))
    _stop(project, home)


def test_statements_one_command_at_a_time_in_the_server(
    served: tuple[Path, Path, Path, int],
) -> None:
    project, home, _, pid = served
    for statement in (
        "CREATE SCHEMA dev_silver.k",
        *(f"CREATE TABLE {table} (id BIGINT)" for table in TARGETS),
        *(f"INSERT INTO {table} VALUES (1)" for table in TARGETS),
    ):
        made = medallion(project, home, "sql", statement)
        assert made.returncode == 0, made.stderr
        assert made.stdout.strip() == "OK"

    read = medallion(
        project, home, "sql", f"SELECT count(*) AS n FROM {TARGETS[0]}", "--format", "csv"
    )
    missing = medallion(project, home, "sql", "SELECT * FROM dev_silver.k.nope")
    status = medallion(project, home, "server", "status")

    assert csv_rows(read) == ["1"]
    assert missing.returncode == 1
    assert missing.stderr.splitlines()[0].startswith(
        "error: [TABLE_OR_VIEW_NOT_FOUND] The table or view `dev_silver`.`k`.`nope` cannot be found"
    ), missing.stderr
    assert re.match(
        rf"server for \S+: pid {pid}, up \d+ min, \d+ command\(s\) run, idle; "
        r"it stops after 10 idle minutes$",
        status.stdout.strip(),
    )
    # what the server made is on disk: a process of its own, without the server, sees it
    alone = medallion(
        project,
        home,
        "sql",
        f"SELECT count(*) AS n FROM {TARGETS[0]}",
        "--format",
        "csv",
        server="off",
    )
    assert csv_rows(alone) == ["1"]


def test_each_command_has_its_own_session(served: tuple[Path, Path, Path, int]) -> None:
    project, home, _, _ = served
    used = medallion(
        project, home, "sql", "USE dev_silver.k; SELECT current_schema() AS s", "--format", "csv"
    )
    after = medallion(
        project,
        home,
        "sql",
        "SELECT current_catalog() AS c, current_schema() AS s",
        "--format",
        "csv",
    )

    assert used.returncode == 0, used.stderr
    assert used.stdout.split("\n\n")[-1].splitlines()[1:] == ["k"]
    assert csv_rows(after) == ["spark_catalog,default"]


def test_standard_input_reaches_the_command(served: tuple[Path, Path, Path, int]) -> None:
    project, home, _, _ = served
    piped = subprocess.run(
        start(project, home, "sql", "--format", "csv").args,
        input="SELECT 40 + 2 AS answer",
        capture_output=True,
        text=True,
        env=_environment(project),
        timeout=300,
        check=False,
    )
    assert csv_rows(piped) == ["42"]


@pytest.mark.parametrize(
    "signal_number", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["INT", "TERM", "KILL"]
)
def test_a_signal_to_the_command_stops_its_run_in_the_server(
    served: tuple[Path, Path, Path, int], signal_number: signal.Signals
) -> None:
    """Ctrl-C and SIGTERM reach the run as in a process of its own; a command killed outright
    (its terminal closed) stops its run too: the server does not run on for nobody."""
    project, home, rows, pid = served
    loaded = medallion(project, home, "metadata", "load", str(rows))
    assert loaded.returncode == 0, loaded.stderr
    before = {table: commits(home, table) for table in TARGETS}

    process = start(project, home, "run", "--layer", "stoppable", "--max-workers", "2")
    progress = wait_until_started(process, {"dev_silver.k.a", "dev_silver.k.b"})
    busy = medallion(
        project, home, "sql", f"SELECT count(*) AS n FROM {TARGETS[0]}", "--format", "csv"
    )
    process.send_signal(signal_number)
    stdout, stderr = process.communicate(timeout=180)

    if signal_number != signal.SIGKILL:
        assert process.returncode == 130, stdout + "".join(progress) + stderr
        assert "stopping the run" in stderr
    assert busy.stderr.startswith("medallion server: busy with `medallion run --layer stoppable")
    assert csv_rows(busy) == ["1"]  # it ran in its own process meanwhile
    assert_recorded_stopped(_when_recorded(project, home))
    assert {table: commits(home, table) for table in TARGETS} == before
    assert _alive(pid)


def test_a_killed_server_leaves_a_run_the_next_one_takes_over(tmp_path: Path) -> None:
    never_written = tmp_path / "never-written"
    os.mkfifo(never_written)
    project = project_with(tmp_path, {"slow": SLOW, "quick": QUICK})
    home = tmp_path / "home"
    pid = _serve(project, home)
    for statement in ("CREATE SCHEMA dev_silver.k", "CREATE TABLE dev_silver.k.a (id BIGINT)"):
        made = medallion(project, home, "sql", statement)
        assert made.returncode == 0, made.stderr
    rows = tmp_path / "rows.yml"
    for pipeline in ("slow", "quick"):
        rows.write_text(rows_yaml([row("a", 1, never_written, pipeline)]))
        loaded = medallion(project, home, "metadata", "load", str(rows))
        assert loaded.returncode == 0, loaded.stderr
        if pipeline == "quick":
            break
        process = start(project, home, "run", "--layer", "stoppable")
        wait_until_started(process, {"dev_silver.k.a"})
        os.kill(pid, signal.SIGKILL)
        _, stderr = process.communicate(timeout=180)
        assert process.returncode == 1
        assert "error: the medallion server stopped during this command" in stderr
        status = medallion(project, home, "server", "status")
        assert (status.returncode, status.stdout.split(" /")[0]) == (1, "no server runs for")

    again = medallion(project, home, "run", "--layer", "stoppable")
    history = medallion(project, home, "runs")

    assert again.returncode == 0, again.stdout + again.stderr
    assert "ABANDONED" in history.stdout, history.stdout


def _when_recorded(project: Path, home: Path) -> str:
    """The last run's record, once its closing has committed (a killed client's run closes in
    the server after the client is gone)."""
    deadline = time.monotonic() + 120
    while True:
        recorded = medallion(project, home, "sql", LAST_RUN, "--format", "csv")
        assert recorded.returncode == 0, recorded.stderr
        if "RUNNING" not in recorded.stdout or time.monotonic() > deadline:
            return recorded.stdout
        time.sleep(1)


def _environment(project: Path) -> dict[str, str]:
    from e2e.project_support import environment

    return environment(project)


def test_the_readme_block_one_command_at_a_time(tmp_path: Path) -> None:
    home = tmp_path / ".medallion"
    results = run_commands(home, "Commands in a second: a warm local server")
    outputs = {" ".join(args[:2]): result for args, result in results}
    for args, result in results:
        assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"

    assert SERVED.search(outputs["server start"].stdout)
    loaded = outputs["run --layer"]
    assert "RESULT: SUCCESS" in loaded.stdout
    assert results[-3][1].stdout.splitlines() == ["id,name", "1,data", "2,platform"]
    ran_here = len(results) - 3  # all but start, status and stop
    assert f", {ran_here} command(s) run, idle" in outputs["server status"].stdout
    assert outputs["server stop"].stdout.startswith("server stopped")
    assert medallion_status(home).stdout.startswith("no server runs for")


def medallion_status(home: Path) -> subprocess.CompletedProcess[str]:
    from cli_support import medallion as in_repository

    return in_repository(home, "server", "status")
