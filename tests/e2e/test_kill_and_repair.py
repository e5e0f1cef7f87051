"""SIGKILL the orchestrator half way, then `--repair`: the same final tables, nothing twice."""

from __future__ import annotations

import os
import re
import signal
from functools import partial
from pathlib import Path

import pytest

from e2e import project_support
from e2e.landed_files import LandedFiles
from e2e.project_support import delta_log, medallion, project_with

pytestmark = pytest.mark.spark

# The run that is killed has a JVM of its own, as a scheduled job's does: SIGKILL ends the run with
# it (test_server.py: a server killed). The commands typed around it run in the home's server.
start = partial(project_support.start, server="off")

# Reads the file its row's comment names: a FIFO nobody writes keeps it asleep until killed.
SLEEPY = """import json
from pathlib import Path

task = json.loads(dbutils.widgets.get("task"))
Path(task["comment"]).read_text()
dbutils.notebook.exit(json.dumps({"status": "SUCCESS", "message": "woke up"}))
"""
COMMIT = r"\d{20}\.json"


def test_sigkill_half_way_then_repair(tmp_path: Path) -> None:
    project = project_with(tmp_path, {"sleepy": SLEEPY})
    home, flag = tmp_path / "home", tmp_path / "still-asleep"
    os.mkfifo(flag)
    rows = tmp_path / "rows.yml"
    rows.write_text(
        "rows:\n"
        + "".join(
            f"  - {{src_catalog: dev_bronze, src_schema: k, src_table_name: {src}, "
            f"dst_catalog: dev_silver, dst_schema: k, dst_table_name: {dst}, layer: killable, "
            f"execution_order: {order}, execution_pipeline: {pipeline}, "
            f"business_key_columns: [id], comment: '{flag}'}}\n"
            for src, dst, order, pipeline in [
                ("a", "a", 1, "scd2"),
                ("a", "nap", 2, "sleepy"),
                ("b", "b", 3, "fact_overwrite"),
            ]
        )
    )
    setup = medallion(
        project,
        home,
        "sql",
        "CREATE SCHEMA dev_bronze.k; CREATE TABLE dev_bronze.k.a (id INT, v STRING);"
        "INSERT INTO dev_bronze.k.a VALUES (1, 'x'), (2, 'y');"
        "CREATE TABLE dev_bronze.k.b (id INT, amount INT);"
        "INSERT INTO dev_bronze.k.b VALUES (9, 90)",
    )
    assert setup.returncode == 0, setup.stderr
    assert medallion(project, home, "metadata", "load", str(rows)).returncode == 0
    assert medallion(project, home, "init").returncode == 0  # the history tables, empty

    with LandedFiles(delta_log(home, "dev_silver.metadata.task_run_log")) as landed:
        process = start(project, home, "run", "--layer", "killable")
        try:
            assert process.stderr is not None
            log, found = [], None
            for line in process.stderr:
                log.append(line)
                if found := re.search(r"run (\S+) of layer killable started", line):
                    break
            assert found is not None, "".join(log)
            landed.next(COMMIT, 600)  # a's attempt recorded; nap cannot end, so b is not started
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=60)
    run_id = found.group(1)

    flag.unlink()
    flag.touch()  # a plain file: nap wakes at once
    repaired = medallion(project, home, "run", "--layer", "killable", "--repair", run_id)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "dev_silver.k.a" not in repaired.stdout.split("task")[-1].split("RESULT")[0]
    shown = medallion(
        project,
        home,
        "sql",
        "SELECT id, v, is_current FROM dev_silver.k.a ORDER BY id; ",
        "--format",
        "csv",
    )
    assert shown.stdout.splitlines() == ["id,v,is_current", "1,x,true", "2,y,true"]
    facts = medallion(project, home, "sql", "SELECT * FROM dev_silver.k.b", "--format", "csv")
    assert facts.stdout.splitlines() == ["id,amount", "9,90"]
    history = medallion(project, home, "runs")
    assert "ABANDONED" in history.stdout
