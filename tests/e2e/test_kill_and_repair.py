"""SIGKILL the orchestrator half way, then `--repair`: the same final tables, nothing twice."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[2]
SLEEPY = """# Databricks notebook source
import json
import time
from pathlib import Path

task = json.loads(dbutils.widgets.get("task"))
flag = Path(task["comment"])
while flag.exists():
    time.sleep(0.2)
dbutils.notebook.exit(json.dumps({"status": "SUCCESS", "message": "woke up"}))
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """The project with one more pipeline whose notebook waits while a flag file exists."""
    copy = tmp_path / "project"
    for folder in ("conf", "notebooks", "metadata"):
        shutil.copytree(ROOT / folder, copy / folder)
    (copy / "notebooks" / "test").mkdir()
    (copy / "notebooks" / "test" / "nb_sleepy.py").write_text(SLEEPY)
    with (copy / "conf" / "pipelines.yml").open("a") as pipelines:
        pipelines.write("  sleepy:\n    notebook: test/nb_sleepy\n    requires: []\n")
    return copy


def command(project: Path, home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "medallion_orchestrator", *args, "--home", str(home)]


def run(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEDALLION_PROJECT_DIR": str(project)}
    return subprocess.run(
        command(project, home, *args),
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )


def test_sigkill_half_way_then_repair(project: Path, tmp_path: Path) -> None:
    home, flag = tmp_path / "home", tmp_path / "still-asleep"
    flag.touch()
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
    setup = run(
        project,
        home,
        "sql",
        "CREATE SCHEMA dev_bronze.k; CREATE TABLE dev_bronze.k.a (id INT, v STRING);"
        "INSERT INTO dev_bronze.k.a VALUES (1, 'x'), (2, 'y');"
        "CREATE TABLE dev_bronze.k.b (id INT, amount INT);"
        "INSERT INTO dev_bronze.k.b VALUES (9, 90)",
    )
    assert setup.returncode == 0, setup.stderr
    assert run(project, home, "metadata", "load", str(rows)).returncode == 0

    env = {**os.environ, "MEDALLION_PROJECT_DIR": str(project)}
    process = subprocess.Popen(
        command(project, home, "run", "--layer", "killable", "--verbose"),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    run_id, log = None, []
    assert process.stderr is not None
    for line in process.stderr:
        log.append(line)
        if found := re.search(r"run (\S+) of layer killable started", line):
            run_id = found.group(1)
        if "task_run_log: recorded dev_silver.k.a SUCCESS" in line:
            break  # a finished, nap asleep, b not started: kill it half way
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert run_id is not None, "".join(log)

    flag.unlink()
    repaired = run(project, home, "run", "--layer", "killable", "--repair", run_id)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "dev_silver.k.a" not in repaired.stdout.split("task")[-1].split("RESULT")[0]
    shown = run(
        project,
        home,
        "sql",
        "SELECT id, v, is_current FROM dev_silver.k.a ORDER BY id; ",
        "--format",
        "csv",
    )
    assert shown.stdout.splitlines() == ["id,v,is_current", "1,x,true", "2,y,true"]
    facts = run(project, home, "sql", "SELECT * FROM dev_silver.k.b", "--format", "csv")
    assert facts.stdout.splitlines() == ["id,amount", "9,90"]
    history = run(project, home, "runs")
    assert "ABANDONED" in history.stdout
