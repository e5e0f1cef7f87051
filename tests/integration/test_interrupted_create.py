"""A first create of a gold table interrupted at any point leaves nothing that breaks the next
load or a DROP TABLE: what it left without a committed version is cleared before the load."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from integration.helpers import task_row
from medallion_orchestrator.loaders.gold_sql import load_gold_sql
from medallion_orchestrator.loaders.uncommitted import has_committed_version
from medallion_orchestrator.metadata.model import TaskRow

pytestmark = pytest.mark.spark

ROWS, PARTITIONS = 40, 4
ROWS_PER_PARTITION = ROWS // PARTITIONS


def gold_task(unique: str, tmp_path: Path) -> tuple[TaskRow, Path]:
    sql_dir = tmp_path / "sql"
    (sql_dir / "gold").mkdir(parents=True)
    (sql_dir / "gold" / "g.sql").write_text(
        f"CREATE OR REPLACE TABLE dev_gold.{unique}.g AS "
        f"SELECT nap(id) AS id FROM range(0, {ROWS}, 1, {PARTITIONS})"
    )
    row = task_row("", f"dev_gold.{unique}.g", "gold_sql", layer="silver_to_gold")
    return replace(row, sql_file_path="gold/g.sql"), sql_dir


@pytest.fixture()
def nap(spark) -> None:
    """Spark task k of the create takes k + 1 seconds, so that however many cores run them at
    once, the k-th task to finish leaves the others still running."""

    def sleepy(value: int) -> int:
        time.sleep(0.1 * (value // ROWS_PER_PARTITION + 1))
        return value

    spark.udf.register("nap", sleepy, "long")


def leave_staged_commits_only(folder: Path) -> None:
    (folder / "_delta_log" / "_staged_commits").mkdir(parents=True)


def leave_data_and_an_empty_log(folder: Path) -> None:
    leave_staged_commits_only(folder)
    (folder / "part-00000-0.snappy.parquet").write_bytes(b"PAR1 not finished")


def leave_data_without_a_log(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "part-00000-0.snappy.parquet").write_bytes(b"PAR1 not finished")


@pytest.mark.parametrize(
    "leave",
    [leave_staged_commits_only, leave_data_and_an_empty_log, leave_data_without_a_log],
    ids=["staged-commits-only", "data-and-empty-log", "data-without-log"],
)
def test_a_load_after_a_killed_first_create_succeeds(
    lakehouse, nap, unique: str, tmp_path: Path, leave: Callable[[Path], None]
) -> None:
    task, sql_dir = gold_task(unique, tmp_path)
    folder = lakehouse.table_location("dev_gold", unique, "g")
    leave(folder)

    result = load_gold_sql(lakehouse, task, sql_dir)

    assert result.rows_written == ROWS
    assert lakehouse.spark.table(lakehouse.table("dev_gold", unique, "g")).count() == ROWS
    lakehouse.sql(f"DROP TABLE dev_gold.{unique}.g")


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the create never got there"
        time.sleep(0.05)


@pytest.mark.parametrize(
    "tasks_done",
    [0, 1, 3],
    ids=["job-started", "1-of-4", "3-of-4"],
)
def test_a_first_create_cancelled_mid_job_leaves_the_target_loadable(
    lakehouse, nap, unique: str, tmp_path: Path, tasks_done: int
) -> None:
    task, sql_dir = gold_task(unique, tmp_path)
    spark = lakehouse.spark
    group = f"interrupted-create-{unique}"
    failed: list[BaseException] = []

    def create() -> None:
        spark.sparkContext.setJobGroup(group, "a first create", interruptOnCancel=True)
        try:
            load_gold_sql(lakehouse, task, sql_dir)
        except Exception as error:
            failed.append(error)

    tracker = spark.sparkContext.statusTracker()

    def done_tasks() -> int:
        jobs = [tracker.getJobInfo(job) for job in tracker.getJobIdsForGroup(group)]
        stages = [tracker.getStageInfo(s) for j in jobs if j for s in j.stageIds]
        return sum(stage.numCompletedTasks for stage in stages if stage) if jobs else -1

    creating = threading.Thread(target=create)
    creating.start()
    wait_for(lambda: done_tasks() >= tasks_done)
    spark.sparkContext.cancelJobGroup(group)
    creating.join(timeout=120)

    assert failed, "the create was not interrupted"
    folder = lakehouse.table_location("dev_gold", unique, "g")
    assert not folder.exists() or not has_committed_version(folder)
    assert load_gold_sql(lakehouse, task, sql_dir).rows_written == ROWS
    lakehouse.sql(f"DROP TABLE dev_gold.{unique}.g")
