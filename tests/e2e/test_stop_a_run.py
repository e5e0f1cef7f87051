"""Ctrl-C on `medallion run`: running tasks and their Spark jobs are cancelled, nothing commits,
the run is recorded CANCELLED, the lock is released and the command exits 130."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from e2e import project_support
from e2e.project_support import commits, csv_rows, project_with, rows_yaml

pytestmark = pytest.mark.spark

# Each command in a JVM of its own: its signals stop its run there (test_server.py: in a server).
medallion = partial(project_support.medallion, server="off")
start = partial(project_support.start, server="off")

# Its Spark job waits in a Python UDF on the FIFO its row's comment names, which nobody writes:
# the task runs until it is cancelled, then commits to its target if it ever gets there.
SLOW = """import json

from pyspark.sql.functions import udf

from medallion_orchestrator.notebook_support import notebook_application

task = json.loads(dbutils.widgets.get("task"))
target = f"{task['dst_catalog']}.{task['dst_schema']}.{task['dst_table_name']}"
never_written = task["comment"]


def wait(value):
    with open(never_written) as fifo:
        return len(fifo.read()) + value


spark.range(0, 2, 1, 2).select(udf(wait, "long")("id")).collect()
notebook_application(spark).lakehouse.sql(f"INSERT INTO {target} VALUES (2)")
dbutils.notebook.exit(json.dumps({"status": "SUCCESS", "message": "woke, then wrote"}))
"""
TARGETS = ["dev_silver.k.a", "dev_silver.k.b", "dev_silver.k.c"]


def wait_until_started(process: subprocess.Popen[str], tasks: set[str]) -> list[str]:
    """Read the run's progress (stderr) until each task says it started; the lines read."""
    assert process.stderr is not None
    lines: list[str] = []
    waiting = set(tasks)
    for line in process.stderr:
        lines.append(line)
        waiting -= {task for task in waiting if re.search(rf"\bstarted\s+{task}$", line)}
        if not waiting:
            return lines
    raise AssertionError("the run ended before its tasks started:\n" + "".join(lines))


@pytest.fixture(scope="module")
def stoppable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A project whose layer `stoppable` has two slow tasks, then a third after them; its home
    holds the targets, one row each. Each test stops a run of it."""
    root = tmp_path_factory.mktemp("stoppable")
    never_written = root / "never-written"
    os.mkfifo(never_written)
    project, home = project_with(root, {"slow": SLOW}), root / "home"
    setup = medallion(
        project,
        home,
        "sql",
        "CREATE SCHEMA dev_silver.k;"
        + "".join(f"CREATE TABLE {t} (id BIGINT); INSERT INTO {t} VALUES (1);" for t in TARGETS),
    )
    assert setup.returncode == 0, setup.stderr
    rows = root / "rows.yml"
    rows.write_text(
        rows_yaml(
            [row(name, order, never_written) for name, order in [("a", 1), ("b", 1), ("c", 2)]]
        )
    )
    loaded = medallion(project, home, "metadata", "load", str(rows))
    assert loaded.returncode == 0, loaded.stderr
    yield project, home
    with contextlib.suppress(OSError):  # no reader left: the FIFO has none to wake
        os.close(os.open(never_written, os.O_WRONLY | os.O_NONBLOCK))


def row(name: str, order: int, fifo: Path, pipeline: str = "slow") -> dict[str, object]:
    """A row of layer `stoppable` loading dev_silver.k.`name`; its comment names the FIFO."""
    return {
        "src_catalog": "dev_bronze",
        "src_schema": "k",
        "src_table_name": name,
        "dst_catalog": "dev_silver",
        "dst_schema": "k",
        "dst_table_name": name,
        "layer": "stoppable",
        "execution_order": order,
        "execution_pipeline": pipeline,
        "comment": f"'{fifo}'",
    }


def assert_recorded_stopped(last_run: str) -> None:
    """LAST_RUN's answer (csv): the run and its started tasks CANCELLED, the rest SKIPPED, the
    lock free."""
    run, attempts, lock = last_run.split("\n\n")
    assert run.splitlines()[1:] == ["CANCELLED"]
    assert attempts.splitlines()[1:] == [
        "dev_silver.k.a,CANCELLED",
        "dev_silver.k.b,CANCELLED",
        "dev_silver.k.c,SKIPPED",
    ]
    assert lock.splitlines()[1:] == ["0"]


LAST_RUN = (
    "SELECT status FROM dev_silver.metadata.run_log ORDER BY started_at DESC LIMIT 1; "
    "SELECT task, status FROM dev_silver.metadata.task_run_log WHERE run_id = "
    "(SELECT max_by(run_id, started_at) FROM dev_silver.metadata.run_log) ORDER BY task; "
    "SELECT count(*) AS held FROM dev_silver.metadata.run_lock"
)


@pytest.mark.parametrize(
    "signal_number",
    [signal.SIGINT, signal.SIGTERM],
    ids=["INT", "TERM"],
)
def test_a_stopped_run_cancels_its_tasks_and_exits_130(
    stoppable: tuple[Path, Path], signal_number: signal.Signals
) -> None:
    project, home = stoppable
    before = {table: commits(home, table) for table in TARGETS}

    process = start(project, home, "run", "--layer", "stoppable", "--max-workers", "2")
    progress = wait_until_started(process, {"dev_silver.k.a", "dev_silver.k.b"})
    read_meanwhile = medallion(
        project, home, "sql", "SELECT count(*) AS n FROM dev_silver.k.a", "--format", "csv"
    )
    process.send_signal(signal_number)
    stdout, stderr = process.communicate(timeout=180)
    stderr = "".join(progress) + stderr

    assert process.returncode == 130, stdout + stderr
    assert csv_rows(read_meanwhile) == ["1"]  # another process reads while the run runs
    assert "stopping the run" in stderr
    assert {table: commits(home, table) for table in TARGETS} == before, stderr
    recorded = medallion(project, home, "sql", LAST_RUN, "--format", "csv")
    assert recorded.returncode == 0, recorded.stderr
    assert_recorded_stopped(recorded.stdout)
