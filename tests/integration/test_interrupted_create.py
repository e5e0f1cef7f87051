"""A first create interrupted or killed at any point leaves its target as it was: no folder, so
a DROP TABLE works at once and the next load creates version 0. Every load goes through
`loaders.dispatch`, the loader notebooks' entry point; the notebooks themselves are run too."""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from integration.helpers import task_row, write_table
from medallion_orchestrator.application import Application
from medallion_orchestrator.execution.results import TaskStatus
from medallion_orchestrator.loaders import dispatch, fact_overwrite, upsert
from medallion_orchestrator.loaders.common import LoadResult
from medallion_orchestrator.loaders.gold_sql import GoldInputs
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.planning import task_for

pytestmark = pytest.mark.spark

ROWS, PARTITIONS = 40, 4
ROWS_PER_PARTITION = ROWS // PARTITIONS
KINDS = ["gold_sql", "fact_overwrite", "fact_incremental_merge"]


@dataclass(frozen=True)
class Target:
    """One load of a first create, through the notebooks' entry point."""

    task: TaskRow
    load: Callable[[], LoadResult]
    folder: Path

    @property
    def name(self) -> str:
        return self.task.destination


class RowsDone:
    """What the create's rows tell through a FIFO: each row that starts, then each row written."""

    def __init__(self, fifo: Path, slow: Path) -> None:
        os.mkfifo(fifo)
        self.fifo = fifo
        self.slow = slow  # while it exists, each row naps
        self._fd = os.open(fifo, os.O_RDWR)  # open to read from now on: a row never waits
        self._started = False
        self._written = 0
        self._unread = b""

    def wait_for(self, rows: int, seconds: float = 60) -> None:
        """Returns once a row has started and `rows` rows are written."""
        deadline = time.monotonic() + seconds
        while not (self._started and self._written >= rows):
            left = max(0.0, deadline - time.monotonic())
            assert select.select([self._fd], [], [], left)[0], "the create never got there"
            *lines, self._unread = (self._unread + os.read(self._fd, 4096)).split(b"\n")
            self._started = self._started or b"started" in lines
            self._written += sum(line != b"started" for line in lines)

    def close(self) -> None:
        os.close(self._fd)


@pytest.fixture()
def rows_done(spark, tmp_path: Path) -> Iterator[RowsDone]:
    """`nap(id)`: while `slow` exists, row k of the create takes 0.1 s per ten ids, so the load
    runs for seconds; each row tells the returned RowsDone when it starts and once it is
    written."""
    watched = RowsDone(tmp_path / "rows", tmp_path / "slow")
    fifo, slow = str(watched.fifo), watched.slow

    def tell(line: str) -> None:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # nobody reads any more: the test has ended
            return
        try:
            os.write(fd, f"{line}\n".encode())
        finally:
            os.close(fd)

    def nap(value: int) -> int:
        tell("started")
        if slow.exists():
            time.sleep(0.1 * (value // ROWS_PER_PARTITION + 1))
        tell(str(value))
        return value

    spark.udf.register("nap", nap, "long")
    yield watched
    watched.close()


def napped(frame):
    from pyspark.sql import functions as F

    return frame.withColumn("id", F.expr("nap(id)"))


@pytest.fixture()
def target(
    request, lakehouse, rows_done, unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Target:
    kind = request.param
    if kind == "gold_sql":
        sql_dir = tmp_path / "sql"
        (sql_dir / "gold").mkdir(parents=True)
        (sql_dir / "gold" / "g.sql").write_text(
            f"CREATE OR REPLACE TABLE dev_gold.{unique}.g AS "
            f"SELECT nap(id) AS id FROM range(0, {ROWS}, 1, {PARTITIONS})"
        )
        row = task_row("", f"dev_gold.{unique}.g", kind, layer="silver_to_gold")
        task = replace(row, sql_file_path="gold/g.sql")
        return Target(
            task,
            lambda: dispatch.load_gold(lakehouse, task, GoldInputs(sql_dir)),
            lakehouse.table_location("dev_gold", unique, "g"),
        )
    source = f"dev_bronze.{unique}.facts"
    write_table(lakehouse, source, [(i, i * 10) for i in range(ROWS)], "id BIGINT, amount BIGINT")
    task = task_row(source, f"dev_silver.{unique}.facts", kind, keys=["id"])
    if kind == "fact_overwrite":
        read = fact_overwrite.read_source
        monkeypatch.setattr(fact_overwrite, "read_source", lambda *a: napped(read(*a)))
        load = dispatch.load_fact
    else:  # the rows the first create writes, after the events were kept
        latest = upsert.latest_per_key
        monkeypatch.setattr(upsert, "latest_per_key", lambda *a: napped(latest(*a)))
        load = dispatch.load_incremental
    return Target(
        task,
        lambda: load(lakehouse, task),
        lakehouse.table_location("dev_silver", unique, "facts"),
    )


def leave_staged_commits_only(folder: Path) -> None:
    (folder / "_delta_log" / "_staged_commits").mkdir(parents=True)


def leave_data_and_an_empty_log(folder: Path) -> None:
    leave_staged_commits_only(folder)
    (folder / "part-00000-0.snappy.parquet").write_bytes(b"PAR1 not finished")


def leave_data_without_a_log(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "part-00000-0.snappy.parquet").write_bytes(b"PAR1 not finished")


LEFTOVERS = [leave_staged_commits_only, leave_data_and_an_empty_log, leave_data_without_a_log]
LEFTOVER_IDS = ["staged-commits-only", "data-and-empty-log", "data-without-log"]


def assert_created_once(lakehouse, target: Target, result: LoadResult) -> None:
    """The load created the table: version 0, every row, its folder a Delta table."""
    from delta.tables import DeltaTable

    assert (result.rows_written, result.target_version) == (ROWS, 0)
    assert lakehouse.spark.table(lakehouse.table_of(target.name)).count() == ROWS
    at_folder = DeltaTable.forPath(lakehouse.spark, str(target.folder))
    assert [row["version"] for row in at_folder.history().collect()] == [0]
    assert at_folder.toDF().count() == ROWS


@pytest.mark.parametrize("target", KINDS, indirect=True)
@pytest.mark.parametrize("leave", LEFTOVERS, ids=LEFTOVER_IDS)
def test_a_load_after_a_killed_first_create_succeeds(
    lakehouse, target: Target, leave: Callable[[Path], None]
) -> None:
    leave(target.folder)

    assert_created_once(lakehouse, target, target.load())
    lakehouse.sql(f"DROP TABLE {target.name}")


def interrupt(spark, target: Target, rows: int, rows_done: RowsDone) -> list[Exception]:
    """Runs the load, cancels its Spark jobs once `rows` rows are written; what it raised."""
    group = f"interrupted-create-{target.name}"
    failed: list[Exception] = []

    def load() -> None:
        spark.sparkContext.setJobGroup(group, "a first create", interruptOnCancel=True)
        try:
            target.load()
        except Exception as error:
            failed.append(error)

    loading = threading.Thread(target=load)
    rows_done.slow.touch()
    loading.start()
    rows_done.wait_for(rows)
    spark.sparkContext.cancelJobGroup(group)
    loading.join(timeout=120)
    rows_done.slow.unlink()  # the next load runs at full speed
    return failed


@pytest.mark.parametrize("target", KINDS, indirect=True)
@pytest.mark.parametrize("rows", [0, ROWS // 4, ROWS * 3 // 4], ids=["started", "1/4", "3/4"])
def test_a_first_create_cancelled_mid_job_leaves_no_target(
    lakehouse, target: Target, rows_done: RowsDone, rows: int
) -> None:
    failed = interrupt(lakehouse.spark, target, rows, rows_done)

    assert failed, "the create was not interrupted"
    assert not target.folder.exists(), "the interrupted create left a folder"
    lakehouse.sql(f"DROP TABLE IF EXISTS {target.name}")  # the table never existed
    assert not lakehouse.spark.catalog.tableExists(lakehouse.table_of(target.name))
    assert_created_once(lakehouse, target, target.load())
    lakehouse.sql(f"DROP TABLE {target.name}")


@pytest.mark.parametrize("pipeline", ["fact_overwrite", "fact_incremental_merge"])
def test_the_fact_notebooks_load_after_a_killed_first_create(
    app: Application, unique: str, pipeline: str
) -> None:
    source, name = f"dev_bronze.{unique}.facts", f"dev_silver.{unique}.facts"
    write_table(app.lakehouse, source, [(1, 10), (2, 20)], "id BIGINT, amount BIGINT")
    row = task_row(source, name, pipeline, order=2, keys=["id"])
    leave_data_and_an_empty_log(app.lakehouse.table_location("dev_silver", unique, "facts"))

    outcome = app.runner.run(task_for(row, app.pipelines, app.environment))

    assert outcome.status is TaskStatus.SUCCESS, outcome.message
    assert outcome.load is not None
    assert (outcome.load.rows_written, outcome.load.target_version) == (2, 0)
