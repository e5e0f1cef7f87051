"""A run's record cannot leak: refused runs leave no row, a run that breaks ends terminal,
every time comes from the run's clock and every attempt row from its own attempt."""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import pytest

from fakes import FakeClock, ScriptedRunner
from integration.helpers import task_row
from medallion_orchestrator.application import Application
from medallion_orchestrator.errors import InvalidMetadata
from medallion_orchestrator.history.run_log import COUNT_COLUMNS
from medallion_orchestrator.orchestration import run_layer
from medallion_orchestrator.run_request import RunRequest
from medallion_orchestrator.runners.chain import RunnerUnavailable
from medallion_orchestrator.tasks import NotebookTask, TaskOutcome, TaskStatus

pytestmark = pytest.mark.spark

FUTURE = datetime(2031, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
# The history tables as the versions before error_class, transient and cancelled created them
OLD_RUN_LOG = """CREATE TABLE {name} (run_id STRING, layer STRING, environment STRING,
  status STRING, started_at TIMESTAMP, ended_at TIMESTAMP, duration_seconds DOUBLE,
  total_tasks INT, succeeded INT, failed INT, timed_out INT, skipped INT, repair_of STRING,
  host STRING) USING DELTA"""
OLD_TASK_RUN_LOG = """CREATE TABLE {name} (run_id STRING, layer STRING, task STRING,
  notebook STRING, execution_order INT, status STRING, attempt INT, started_at TIMESTAMP,
  ended_at TIMESTAMP, duration_seconds DOUBLE, message STRING, error STRING,
  rows_written BIGINT, target_version BIGINT) USING DELTA"""


@pytest.fixture()
def app(app: Application) -> Application:
    """The shared `app`, with its history tables made."""
    app.run_history.ensure_tables()
    return app


def onboard(app: Application, unique: str, layer: str, depends: bool = False) -> list[str]:
    """Two rows of one execution_order; with `depends`, the second depends on the first."""
    names = [f"dev_silver.{unique}.a", f"dev_silver.{unique}.b"]
    app.repository.upsert(
        [
            task_row(f"dev_bronze.{unique}.a", names[0], "fact_overwrite", 1, layer=layer),
            task_row(
                f"dev_bronze.{unique}.b",
                names[1],
                "fact_overwrite",
                1,
                layer=layer,
                depends_on=[names[0]] if depends else None,
            ),
        ]
    )
    return names


def runs_of(app: Application, layer: str) -> list[dict[str, object]]:
    return [run for run in app.run_history.runs(1000) if run["layer"] == layer]


def history_writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "medallion-history" and t.is_alive()]


def test_a_refused_run_leaves_no_row_and_no_thread(app: Application, unique: str) -> None:
    layer = f"{unique}_refused"
    onboard(app, unique, layer, depends=True)
    with pytest.raises(InvalidMetadata, match="use the dag or auto scheduler"):
        run_layer(app.replace(runner=ScriptedRunner()), RunRequest(layer, scheduler="batch"))
    assert runs_of(app, layer) == []
    assert history_writers() == []


def test_invalid_metadata_or_a_runner_that_cannot_apply_leaves_no_row(
    app: Application, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CONFIG_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(Path(app.home) / "no-such-databrickscfg"))
    layer = f"{unique}_refused"
    onboard(app, unique, layer)
    no_runner = dataclasses.replace(app, runner_choice="jobs")
    with pytest.raises(RunnerUnavailable):
        run_layer(no_runner, RunRequest(layer))
    app.lakehouse.sql(
        f"UPDATE {app.metadata_table} SET execution_pipeline = 'scd3' WHERE layer = '{layer}'"
    )
    with pytest.raises(InvalidMetadata, match="unknown execution_pipeline 'scd3'"):
        run_layer(app.replace(runner=ScriptedRunner()), RunRequest(layer))

    assert runs_of(app, layer) == []
    assert history_writers() == []


class BreakingClock(FakeClock):
    """A run's clock that raises `error` when a worker thread starts a task."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(FUTURE)
        self.error = error

    def monotonic(self) -> float:
        if threading.current_thread().name.startswith("medallion-task"):
            raise self.error
        return super().monotonic()


@pytest.mark.parametrize(
    ("error", "status"), [(RuntimeError("boom"), "FAILED"), (KeyboardInterrupt(), "CANCELLED")]
)
def test_a_run_whose_execution_raises_ends_terminal_and_unlocked(
    app: Application, unique: str, error: BaseException, status: str
) -> None:
    layer = f"{unique}_breaks"
    onboard(app, unique, layer)
    broken = app.replace(runner=ScriptedRunner(), clock=BreakingClock(error))
    with pytest.raises(type(error)):
        run_layer(broken, RunRequest(layer))
    [run] = runs_of(app, layer)
    assert run["status"] == status
    assert run["ended_at"] is not None
    assert history_writers() == []
    assert run_layer(
        app.replace(runner=ScriptedRunner()), RunRequest(layer)
    ).succeeded  # lock released


def test_every_time_in_the_history_comes_from_the_runs_clock(app: Application, unique: str) -> None:
    layer = f"{unique}_clock"
    onboard(app, unique, layer)
    clock = FakeClock(FUTURE)
    result = run_layer(app.replace(runner=ScriptedRunner(), clock=clock), RunRequest(layer))
    run, attempts = app.run_history.run(result.run_id)
    assert run is not None
    local = FUTURE.astimezone().replace(tzinfo=None)
    assert run["started_at"] == local
    assert run["ended_at"] == local
    assert {(a["started_at"], a["ended_at"]) for a in attempts} == {(local, local)}
    assert result.run_id.startswith("20310304-")


def test_each_attempt_row_carries_its_own_start_and_end(app: Application, unique: str) -> None:
    layer = f"{unique}_retried"
    names = onboard(app, unique, layer)
    clock = FakeClock(FUTURE)
    conflict = TaskOutcome(TaskStatus.FAILED, "ConcurrentAppendException", transient=True)
    calls: list[str] = []

    def flaky(task: NotebookTask) -> TaskOutcome:  # 5 s per attempt; two conflicts, then ok
        calls.append(task.key)
        clock.advance(5)
        return conflict if len(calls) <= 2 else TaskOutcome(TaskStatus.SUCCESS, "ok")

    runner = ScriptedRunner({names[0]: flaky})
    result = run_layer(app.replace(runner=runner, clock=clock), RunRequest(layer, max_workers=1))
    _, attempts = app.run_history.run(result.run_id)
    rows = sorted((a["attempt"], a) for a in attempts if a["task"] == names[0])
    spans = [(row["started_at"], row["ended_at"], row["duration_seconds"]) for _, row in rows]
    for (_, ended, _), (started, _, _) in pairwise(spans):
        assert started >= ended, spans  # no overlap: backoff lies between attempts
    assert [duration for _, _, duration in spans] == [5.0, 5.0, 5.0]
    assert spans[-1][1] - spans[0][0] > timedelta(seconds=15)


def test_init_creates_the_history_tables(spark, lakehouse_home: Path, unique: str) -> None:
    from medallion_orchestrator.cli import main

    table = f"dev_silver.{unique}_init.execution_table"
    assert main(["init", "--home", str(lakehouse_home), "--metadata-table", table]) == 0
    app = Application(home=lakehouse_home, metadata_table_override=table).replace(spark=spark)
    for name in ("run_log", "task_run_log", "run_lock"):
        assert spark.catalog.tableExists(app.run_history.physical(name)), name


def test_the_typed_result_and_cancelled_tasks_reach_the_history(
    app: Application, unique: str
) -> None:
    layer = f"{unique}_typed"
    names = onboard(app, unique, layer)
    answers = iter(
        [
            TaskOutcome(
                TaskStatus.FAILED,
                "ConcurrentAppendException: files were added",
                error_class="ConcurrentAppendException",
                transient=True,
            ),
            TaskOutcome(
                TaskStatus.FAILED, "AnalysisException: no column x", error_class="AnalysisException"
            ),
        ]
    )
    stopped = TaskOutcome(TaskStatus.CANCELLED, "cancelled: the run was stopped")
    runner = ScriptedRunner({names[0]: lambda task: next(answers), names[1]: stopped})
    result = run_layer(
        app.replace(runner=runner, clock=FakeClock(FUTURE)), RunRequest(layer, max_workers=1)
    )

    run, attempts = app.run_history.run(result.run_id)
    assert run is not None
    assert (run["total_tasks"], run["failed"], run["cancelled"]) == (2, 1, 1)
    assert run["total_tasks"] == sum(run[column] for column in COUNT_COLUMNS.values())
    assert sorted((a["task"], a["status"], a["error_class"], a["transient"]) for a in attempts) == [
        (names[0], "FAILED", "AnalysisException", False),
        (names[0], "FAILED", "ConcurrentAppendException", True),
        (names[1], "CANCELLED", None, False),
    ]


def test_history_tables_of_an_older_version_gain_the_new_columns(
    spark, lakehouse_home: Path, unique: str
) -> None:
    table = f"dev_silver.{unique}_old.execution_table"
    app = Application(home=lakehouse_home, metadata_table_override=table).replace(spark=spark)
    app.repository.init()
    history = app.run_history
    for name, ddl in (("run_log", OLD_RUN_LOG), ("task_run_log", OLD_TASK_RUN_LOG)):
        app.lakehouse.sql(ddl.format(name=history.tables.name(name)))
    app.lakehouse.sql(
        f"INSERT INTO {history.tables.name('task_run_log')} (run_id, task, status) "
        "VALUES ('old', 'dev_silver.x.y', 'SUCCESS')"
    )
    layer = f"{unique}_old"
    names = onboard(app, unique, layer)
    failed = TaskOutcome(TaskStatus.FAILED, "AnalysisException: x", error_class="AnalysisException")

    result = run_layer(app.replace(runner=ScriptedRunner({names[0]: failed})), RunRequest(layer))
    history.ensure_tables()  # again: nothing left to add

    run, attempts = history.run(result.run_id)
    assert run is not None and (run["failed"], run["cancelled"]) == (1, 0)
    assert {a["task"]: (a["error_class"], a["transient"]) for a in attempts} == {
        names[0]: ("AnalysisException", False),
        names[1]: (None, False),
    }
    _, old = history.run("old")
    assert [(a["task"], a["error_class"], a["transient"]) for a in old] == [
        ("dev_silver.x.y", None, None)
    ]
