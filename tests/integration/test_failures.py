"""Failures on real Spark + Delta: run history, repair, retries, one run per layer."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from fakes import FakeClock, ScriptedRunner
from integration.helpers import FIVETRAN, task_row, version, write_table
from medallion_orchestrator.application import Application
from medallion_orchestrator.execution.results import TaskOutcome, TaskStatus
from medallion_orchestrator.history.lock import LayerLocked
from medallion_orchestrator.history.lock_table import DeltaLockTable
from medallion_orchestrator.orchestration import run_layer
from medallion_orchestrator.run_request import RunRequest

pytestmark = pytest.mark.spark

DAY1 = dt.datetime(2024, 1, 1)
SCHEMA = "id INT, name STRING, _fivetran_synced TIMESTAMP, _fivetran_deleted BOOLEAN"


def onboard(app: Application, unique: str, layer: str = "bronze_to_silver") -> dict[str, str]:
    """customers (order 1, ok), stores (order 1, bronze missing), orders (order 2)."""
    write_table(app.lakehouse, f"dev_bronze.{unique}.customers", [(1, "a", DAY1, False)], SCHEMA)
    write_table(app.lakehouse, f"dev_bronze.{unique}.orders", [(7, "o", DAY1, False)], SCHEMA)
    names = {t: f"dev_silver.{unique}.{t}" for t in ("customers", "stores", "orders")}
    app.repository.upsert(
        [
            task_row(
                f"dev_bronze.{unique}.customers",
                names["customers"],
                "scd1",
                1,
                ["id"],
                FIVETRAN,
                layer=layer,
            ),
            task_row(
                f"dev_bronze.{unique}.stores",
                names["stores"],
                "scd2",
                1,
                ["id"],
                FIVETRAN,
                layer=layer,
            ),
            task_row(
                f"dev_bronze.{unique}.orders", names["orders"], "fact_overwrite", 2, layer=layer
            ),
        ]
    )
    return names


def test_history_then_repair_reruns_only_what_did_not_succeed(
    app: Application, unique: str
) -> None:
    names = onboard(app, unique)
    first = run_layer(app, RunRequest("bronze_to_silver"))
    assert not first.succeeded

    run, attempts = app.run_history.run(first.run_id)
    assert run is not None
    assert (run["status"], run["succeeded"], run["failed"], run["skipped"]) == ("FAILED", 1, 1, 1)
    assert (run["max_workers"], run["scheduler"]) == (app.environment.max_workers, "batch")
    by_task = {a["task"]: a for a in attempts}
    assert by_task[names["customers"]]["status"] == "SUCCESS"
    assert by_task[names["customers"]]["rows_written"] == 1
    assert by_task[names["customers"]]["target_version"] == version(
        app.lakehouse, names["customers"]
    )
    assert "does not exist" in by_task[names["stores"]]["message"]
    assert by_task[names["orders"]]["status"] == "SKIPPED"

    customers_version = version(app.lakehouse, names["customers"])
    write_table(app.lakehouse, f"dev_bronze.{unique}.stores", [(3, "s", DAY1, False)], SCHEMA)
    repair = run_layer(app, RunRequest("bronze_to_silver", repair_of=first.run_id))
    assert repair.succeeded, [r.message for r in repair.results]
    assert sorted(r.key for r in repair.results) == sorted([names["stores"], names["orders"]])
    assert version(app.lakehouse, names["customers"]) == customers_version
    assert app.run_history.run(repair.run_id)[0]["repair_of"] == first.run_id
    assert app.run_history.succeeded_tasks(repair.run_id) == set(names.values())


def test_transient_error_is_retried_and_every_attempt_logged(app: Application, unique: str) -> None:
    names = onboard(app, unique)
    conflict = TaskOutcome(
        TaskStatus.FAILED, "ConcurrentAppendException: files were added", transient=True
    )
    calls: list[str] = []

    def flaky(task):  # two conflicts, then success
        calls.append(task.key)
        return conflict if len(calls) <= 2 else TaskOutcome(TaskStatus.SUCCESS, "ok")

    wrong = TaskOutcome(TaskStatus.FAILED, "AnalysisException: [UNRESOLVED_COLUMN] `x`")
    runner = ScriptedRunner({names["customers"]: flaky, names["stores"]: wrong})
    clock = FakeClock()
    result = run_layer(app.replace(runner=runner, clock=clock), RunRequest("bronze_to_silver"))
    statuses = {r.key: (r.status, r.attempts) for r in result.results}
    assert statuses[names["customers"]] == (TaskStatus.SUCCESS, 3)
    assert statuses[names["stores"]] == (TaskStatus.FAILED, 1)
    assert clock.sleeps == [10.0, 20.0]
    _, attempts = app.run_history.run(result.run_id)
    customer_attempts = [
        (a["attempt"], a["status"]) for a in attempts if a["task"] == names["customers"]
    ]
    assert sorted(customer_attempts) == [(1, "FAILED"), (2, "FAILED"), (3, "SUCCESS")]


def test_one_run_per_layer_and_other_layers_go_on(app: Application, unique: str) -> None:
    onboard(app, unique, layer="layer_a")
    onboard(app, f"{unique}b", layer="layer_b")
    release = threading.Event()
    runner = ScriptedRunner({f"dev_silver.{unique}.customers": release}, wait_seconds=120)
    busy = app.replace(runner=runner)
    first: dict[str, object] = {}
    thread = threading.Thread(
        target=lambda: first.update(result=run_layer(busy, RunRequest("layer_a")))
    )
    thread.start()
    try:
        runner.wait_for_calls(1)
        with pytest.raises(LayerLocked) as locked:
            run_layer(app.replace(runner=ScriptedRunner()), RunRequest("layer_a"))
        assert "layer layer_a is being run by run " in str(locked.value)
        other = run_layer(app.replace(runner=ScriptedRunner()), RunRequest("layer_b"))
        assert other.succeeded
    finally:
        release.set()
        thread.join()
    assert first["result"].succeeded  # type: ignore[attr-defined]


def test_a_lock_with_an_expired_heartbeat_is_taken_over(app: Application, unique: str) -> None:
    onboard(app, unique)
    app.run_history.ensure_tables()
    acquired = FakeClock().now()  # acquired in 2024 on another machine, never beat since
    app.run_history.start_run("dead-run", "bronze_to_silver", "dev", acquired, None)
    app.run_history.stop_writer()
    assert DeltaLockTable(app.run_history).insert(
        "bronze_to_silver", "dead-run", "another-host:1", acquired
    )

    result = run_layer(app.replace(runner=ScriptedRunner()), RunRequest("bronze_to_silver"))

    assert result.succeeded
    dead, _ = app.run_history.run("dead-run")
    assert dead is not None and dead["status"] == "ABANDONED"
