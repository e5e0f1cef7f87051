"""The local notebook engine: exit values, failures, nested runs and timeouts that stop work."""

from __future__ import annotations

import gc
import os
import threading
import weakref
from pathlib import Path

import pytest

from medallion_orchestrator.execution.results import TaskStatus
from medallion_orchestrator.notebook_engine.dbutils import NotebookTimedOut, WorkflowException
from medallion_orchestrator.notebook_engine.engine import LocalNotebookEngine
from medallion_orchestrator.planning import NotebookTask
from medallion_orchestrator.runners.engine_runner import LocalNotebookRunner

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
    "signals_from_its_spark_job": [
        'from pyspark.sql.functions import udf\nstarted = dbutils.widgets.get("started")',
        "def signal(value):\n"
        "    if value == 0:\n"
        '        with open(started, "w") as fifo:\n'
        '            fifo.write("running")\n'
        "    return value",
        'spark.range(10**13, numPartitions=2).select(udf(signal, "long")("id").alias("id"))'
        '.selectExpr("sum(id % 7) AS s").collect()',
    ],
    "sql_cell": [
        "# MAGIC %sql\n# MAGIC SELECT 42 AS answer",
        "dbutils.notebook.exit(str(_sqldf.first()[0]))",
    ],
    "no_exit": ["x = 1"],
    "parent_with_a_view": [
        'spark.range(3).createOrReplaceTempView("parents_rows")',
        'spark.conf.set("spark.sql.shuffle.partitions", "7")',
        'seen = dbutils.notebook.run("./reads_a_view", 60, {})',
        'mine = spark.conf.get("spark.sql.shuffle.partitions")',
        'rows = spark.table("parents_rows").count()',
        'dbutils.notebook.exit(f"{seen}; parent: {rows} rows, {mine}")',
    ],
    "reads_a_view": [
        "from pyspark.errors import AnalysisException",
        "try:\n"
        '    rows = str(spark.table("parents_rows").count())\n'
        "except AnalysisException as error:\n"
        "    rows = error.getCondition()",
        'partitions = spark.conf.get("spark.sql.shuffle.partitions")',
        'dbutils.notebook.exit(f"child: {rows}, {partitions}")',
    ],
    "asks_pyspark": [
        "from pyspark.sql import SparkSession",
        "def own(session):\n    return session is spark",
        "answers = [own(SparkSession.getActiveSession()), own(SparkSession.active())]\n"
        "answers.append(own(SparkSession.builder.getOrCreate()))",
        'child = dbutils.notebook.run("./asks_pyspark_too", 60, {})',
        "answers.append(own(SparkSession.getActiveSession()))",
        'dbutils.notebook.exit(f"{answers}; child: {child}")',
    ],
    "asks_pyspark_too": [
        "from pyspark.sql import SparkSession",
        "asked = SparkSession.builder.config('spark.sql.shuffle.partitions', '3').getOrCreate()",
        "same = asked is spark and SparkSession.getActiveSession() is spark",
        "dbutils.notebook.exit(f\"{same} {spark.conf.get('spark.sql.shuffle.partitions')}\")",
    ],
    "makes_a_view": ['spark.range(2).createOrReplaceTempView("left_behind")'],
    "parent_of_raises": [
        'try:\n    dbutils.notebook.run("./raises", 60, {})\n'
        "except Exception as error:\n    dbutils.notebook.exit(str(error))",
    ],
    "titled": [
        "# DBTITLE 1,Setup\n# MAGIC %run ./helpers/setup",
        "# DBTITLE 1,Answer\n# MAGIC %sql\n# MAGIC SELECT 42 AS answer",
        '# DBTITLE 1,Exit\ndbutils.notebook.exit(f"{greeting} {_sqldf.first()[0]}")',
    ],
    "helpers/setup": ['greeting = "hello"'],
    "helpers/runs_by_path": [
        'dbutils.notebook.exit(dbutils.notebook.run(dbutils.widgets.get("path"), 60, {}))'
    ],
    "follows_the_recipe": [
        "from medallion_orchestrator.exit_value import run_and_exit",
        "def load():\n"
        "    raise RuntimeError('[DELTA_CONCURRENT_APPEND.WITHOUT_HINT] '\n"
        "                       'ConcurrentAppendException: Files were added to the root of '\n"
        "                       'the table by a concurrent update.')\n"
        "run_and_exit(dbutils, load)",
    ],
}


@pytest.fixture(scope="module")
def engine(spark, tmp_path_factory: pytest.TempPathFactory) -> LocalNotebookEngine:
    from medallion_orchestrator.runtime.lakehouse import lakehouse_for

    folder: Path = tmp_path_factory.mktemp("notebooks")
    for name, cells in NOTEBOOKS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.py").write_text(HEADER + SEPARATOR.join(cells) + "\n")
    return LocalNotebookEngine(spark, folder, lakehouse_for(spark))


def active_jobs_once_notebooks_end(spark) -> list[int]:
    """Spark's active jobs once every notebook thread has ended and Spark's listeners have heard
    all it did: a job submitted now is handled after any cancellation, whose end is told first."""
    for thread in threading.enumerate():
        if thread.name.startswith("medallion-notebook"):
            thread.join(60)
    assert spark.range(5).count() == 5
    spark.sparkContext._jsc.sc().listenerBus().waitUntilEmpty()
    return list(spark.sparkContext.statusTracker().getActiveJobsIds())


def test_exit_value_and_widgets(engine: LocalNotebookEngine) -> None:
    assert engine.run("child", {"n": "5"}, 60) == "10"
    assert engine.run("child", {}, 60) == "2"


def test_nested_run_resolves_relative_paths(engine: LocalNotebookEngine) -> None:
    assert engine.run("parent", {}, 60) == "42"


def test_each_notebook_run_has_a_spark_session_of_its_own(
    engine: LocalNotebookEngine, spark
) -> None:
    """As on Databricks (Spark session isolation): a child run neither sees its parent's temp
    views nor the settings it made, and leaves none of its own behind; `%run` shares them."""
    partitions = spark.conf.get("spark.sql.shuffle.partitions")
    assert engine.run("parent_with_a_view", {}, 60) == (
        f"child: TABLE_OR_VIEW_NOT_FOUND, {partitions}; parent: 3 rows, 7"
    )
    assert spark.conf.get("spark.sql.shuffle.partitions") == partitions
    engine.run("makes_a_view", {}, 60)
    assert not spark.catalog.tableExists("left_behind")
    assert not spark.catalog.tableExists("parents_rows")


def test_a_sessions_lakehouse_goes_with_the_session(spark) -> None:
    """A notebook run's session is dropped when the run ends; what was kept for it goes too."""
    from medallion_orchestrator.runtime.lakehouse import lakehouse_for

    shared = lakehouse_for(spark)  # the process's first: the catalog's own stays with it
    session = spark.newSession()
    lakehouse = lakehouse_for(session)
    assert lakehouse_for(session) is lakehouse
    assert lakehouse is not shared
    gone = weakref.ref(lakehouse)
    del session, lakehouse
    spark.newSession()  # pyspark's `RDD.toDF` holds the newest session
    gc.collect()
    assert gone() is None


def test_pyspark_gives_a_notebook_its_own_session(engine: LocalNotebookEngine, spark) -> None:
    """On Databricks a notebook has a Python process of its own: pyspark's active session and
    `builder.getOrCreate()` are its `spark`, as library code called from it expects."""
    from pyspark.sql import SparkSession

    before = SparkSession.getActiveSession()
    assert engine.run("asks_pyspark", {}, 60) == "[True, True, True, True]; child: True 3"
    assert SparkSession.getActiveSession() is before
    assert spark.conf.get("spark.sql.shuffle.partitions") != "3"


def test_sql_magic_cell(engine: LocalNotebookEngine) -> None:
    assert engine.run("sql_cell", {}, 60) == "42"


WORKLOAD_FAILED = (
    "com.databricks.WorkflowException: com.databricks.NotebookExecutionException: FAILED: "
    "Workload failed, see run output for details"
)


def test_a_failed_child_gives_its_parent_only_what_databricks_gives(
    engine: LocalNotebookEngine,
) -> None:
    with pytest.raises(WorkflowException) as failed:
        engine.run("raises", {}, 60)
    assert str(failed.value) == WORKLOAD_FAILED
    assert engine.run("parent_of_raises", {}, 60) == WORKLOAD_FAILED


def test_a_notebook_that_raises_fails_without_its_cause(engine: LocalNotebookEngine) -> None:
    outcome = LocalNotebookRunner(engine).run(NotebookTask("k", "raises", 1, 60))
    assert outcome.status is TaskStatus.FAILED
    assert "bad bronze row" not in f"{outcome.message} {outcome.error}"
    assert "did not report its error in its exit value" in outcome.message


def test_a_notebook_that_follows_the_recipe_reports_its_cause(engine: LocalNotebookEngine) -> None:
    outcome = LocalNotebookRunner(engine).run(NotebookTask("k", "follows_the_recipe", 1, 60))
    assert outcome.status is TaskStatus.FAILED
    assert outcome.message.startswith("RuntimeError: [DELTA_CONCURRENT_APPEND.WITHOUT_HINT]")
    assert outcome.error_class == "RuntimeError"
    assert outcome.error is not None and "follows_the_recipe [cell 2]" in outcome.error
    assert outcome.transient is True


def test_titled_cells_run_their_magic(engine: LocalNotebookEngine) -> None:
    assert engine.run("titled", {}, 60) == "hello 42"


@pytest.mark.parametrize(
    ("path", "found"),
    [("../child", True), ("../child.py", False), ("/child", False), ("/helpers/setup", False)],
)
def test_paths_resolve_as_on_databricks(
    engine: LocalNotebookEngine, path: str, found: bool
) -> None:
    if found:
        assert engine.run("helpers/runs_by_path", {"path": path}, 60) == "2"
        return
    with pytest.raises(WorkflowException):
        engine.run("helpers/runs_by_path", {"path": path}, 60)
    with pytest.raises(WorkflowException, match="not found"):
        engine.resolve(path, "helpers/runs_by_path")


def test_paths_cannot_leave_the_notebooks_folder(engine: LocalNotebookEngine) -> None:
    with pytest.raises(Exception, match="leaves"):
        engine.run("../../etc/passwd", {}, 60)


def test_timeout_cancels_the_spark_jobs(engine: LocalNotebookEngine, spark) -> None:
    runner = LocalNotebookRunner(engine)
    outcome = runner.run(NotebookTask("dev_silver.x.slow", "hangs_in_spark", 1, 3))
    assert outcome.status is TaskStatus.TIMED_OUT
    assert "timed out after 3 seconds" in outcome.message
    assert active_jobs_once_notebooks_end(spark) == []


def test_timeout_interrupts_plain_python(engine: LocalNotebookEngine) -> None:
    with pytest.raises(NotebookTimedOut):
        engine.run("hangs_in_python", {}, 2)
    threads = [t for t in threading.enumerate() if t.name.startswith("medallion-notebook")]
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)


def test_no_exit_value_is_success(engine: LocalNotebookEngine) -> None:
    outcome = LocalNotebookRunner(engine).run(NotebookTask("k", "no_exit", 1, 60))
    assert outcome.status is TaskStatus.SUCCESS


def test_a_stopped_runner_starts_no_notebook(engine: LocalNotebookEngine, spark) -> None:
    runner = LocalNotebookRunner(engine)
    runner.cancel_running()  # the stop lands before the task reaches the engine
    outcome = runner.run(NotebookTask("dev_silver.x.slow", "hangs_in_spark", 1, 60))
    assert (outcome.status, outcome.attempts) == (TaskStatus.CANCELLED, 0)
    assert active_jobs_once_notebooks_end(spark) == []


def test_a_stop_during_a_run_cancels_it_and_its_spark_jobs(
    engine: LocalNotebookEngine, spark, tmp_path: Path
) -> None:
    runner = LocalNotebookRunner(engine)
    started = tmp_path / "started"
    os.mkfifo(started)

    def stop_once_its_job_runs() -> None:
        started.read_text()  # returns once the job's first row has written to it
        runner.cancel_running()

    stopper = threading.Thread(target=stop_once_its_job_runs, daemon=True)
    stopper.start()
    task = NotebookTask(
        "dev_silver.x.slow", "signals_from_its_spark_job", 1, 600, {"started": str(started)}
    )
    outcome = runner.run(task)
    stopper.join(60)
    assert not stopper.is_alive()
    assert outcome.status is TaskStatus.FAILED
    assert outcome.error_class == "NotebookFailed"  # StoppableRunner makes it CANCELLED
    assert active_jobs_once_notebooks_end(spark) == []
