"""The local notebook engine: exit values, failures, nested runs and timeouts that stop work."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from medallion_orchestrator.execution.results import TaskStatus
from medallion_orchestrator.local.dbutils import NotebookTimedOut
from medallion_orchestrator.local.engine import LocalNotebookEngine, NotebookFailed
from medallion_orchestrator.planning import NotebookTask
from medallion_orchestrator.runners.local import LocalNotebookRunner

pytestmark = pytest.mark.spark

HEADER = "# Databricks notebook source\n"
SEPARATOR = "\n# COMMAND ----------\n"

NOTEBOOKS = {
    "child": [
        'dbutils.widgets.text("n", "1")',
        'dbutils.notebook.exit(str(int(dbutils.widgets.get("n")) * 2))',
    ],
    "parent": [
        'value = dbutils.notebook.run("./child", 60, {"n": "21"})',
        "dbutils.notebook.exit(value)",
    ],
    "raises": ["x = 1", 'raise ValueError("bad bronze row")'],
    "hangs_in_spark": [
        'spark.range(10**13, numPartitions=2).selectExpr("sum(id % 7) AS s").collect()'
    ],
    "hangs_in_python": ["while True:\n    pass"],
    "sql_cell": [
        "# MAGIC %sql\n# MAGIC SELECT 42 AS answer",
        "dbutils.notebook.exit(str(_sqldf.first()[0]))",
    ],
    "no_exit": ["x = 1"],
}


@pytest.fixture(scope="module")
def engine(spark, tmp_path_factory: pytest.TempPathFactory) -> LocalNotebookEngine:
    from medallion_orchestrator.runtime.lakehouse import lakehouse_for

    folder: Path = tmp_path_factory.mktemp("notebooks")
    for name, cells in NOTEBOOKS.items():
        (folder / f"{name}.py").write_text(HEADER + SEPARATOR.join(cells) + "\n")
    return LocalNotebookEngine(spark, folder, lakehouse_for(spark))


def wait_until_no_active_jobs(spark, deadline_seconds: float = 60) -> list[int]:
    tracker = spark.sparkContext.statusTracker()
    end = time.monotonic() + deadline_seconds
    while (active := list(tracker.getActiveJobsIds())) and time.monotonic() < end:
        time.sleep(0.2)
    return active


def test_exit_value_and_widgets(engine: LocalNotebookEngine) -> None:
    assert engine.run("child", {"n": "5"}, 60) == "10"
    assert engine.run("child", {}, 60) == "2"


def test_nested_run_resolves_relative_paths(engine: LocalNotebookEngine) -> None:
    assert engine.run("parent", {}, 60) == "42"


def test_sql_magic_cell(engine: LocalNotebookEngine) -> None:
    assert engine.run("sql_cell", {}, 60) == "42"


def test_failure_carries_the_notebook_traceback(engine: LocalNotebookEngine) -> None:
    with pytest.raises(NotebookFailed) as failed:
        engine.run("raises", {}, 60)
    assert "ValueError: bad bronze row" in str(failed.value)
    assert "raises [cell 2]" in failed.value.details


def test_paths_cannot_leave_the_notebooks_folder(engine: LocalNotebookEngine) -> None:
    with pytest.raises(Exception, match="leaves"):
        engine.run("../../etc/passwd", {}, 60)


def test_timeout_cancels_the_spark_jobs(engine: LocalNotebookEngine, spark) -> None:
    runner = LocalNotebookRunner(engine)
    outcome = runner.run(NotebookTask("dev_silver.x.slow", "hangs_in_spark", 1, 3))
    assert outcome.status is TaskStatus.TIMED_OUT
    assert "timed out after 3 seconds" in outcome.message
    assert wait_until_no_active_jobs(spark) == []
    assert spark.range(5).count() == 5


def test_timeout_interrupts_plain_python(engine: LocalNotebookEngine) -> None:
    with pytest.raises(NotebookTimedOut):
        engine.run("hangs_in_python", {}, 2)
    threads = [
        t for t in __import__("threading").enumerate() if t.name.startswith("medallion-notebook")
    ]
    end = time.monotonic() + 30
    while any(t.is_alive() for t in threads) and time.monotonic() < end:
        time.sleep(0.1)
    assert not any(t.is_alive() for t in threads)


def test_no_exit_value_is_success(engine: LocalNotebookEngine) -> None:
    outcome = LocalNotebookRunner(engine).run(NotebookTask("k", "no_exit", 1, 60))
    assert outcome.status is TaskStatus.SUCCESS
