"""A layer run end to end on local Spark: the real notebooks, batches, failures, skips."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest

from integration.helpers import FIVETRAN, gold_row, read_table, task_row, write_table
from medallion_orchestrator.application import Application
from medallion_orchestrator.errors import ConfigError, InvalidMetadata
from medallion_orchestrator.execution.results import TaskStatus
from medallion_orchestrator.metadata.repository import MetadataRepository
from medallion_orchestrator.notebook_engine.engine import LocalNotebookEngine, NotebookFailed
from medallion_orchestrator.orchestration import run_layer
from medallion_orchestrator.run_request import RunRequest

pytestmark = pytest.mark.spark

DAY1 = dt.datetime(2024, 1, 1)
SCHEMA = "id INT, name STRING, _fivetran_synced TIMESTAMP, _fivetran_deleted BOOLEAN"


def onboard(app: Application, unique: str, broken_source: bool = False) -> None:
    write_table(app.lakehouse, f"dev_bronze.{unique}.customers", [(1, "a", DAY1, False)], SCHEMA)
    write_table(app.lakehouse, f"dev_bronze.{unique}.orders", [(7, "o", DAY1, False)], SCHEMA)
    stores = f"dev_bronze.{unique}.{'missing' if broken_source else 'customers'}"
    app.repository.upsert(
        [
            task_row(
                f"dev_bronze.{unique}.customers",
                f"dev_silver.{unique}.customers",
                "scd1",
                1,
                ["id"],
                FIVETRAN,
            ),
            task_row(stores, f"dev_silver.{unique}.stores", "scd2", 1, ["id"], FIVETRAN),
            task_row(
                f"dev_bronze.{unique}.orders", f"dev_silver.{unique}.orders", "fact_overwrite", 2
            ),
        ]
    )


def test_failed_task_loads_its_batch_and_skips_later_batches(app: Application, unique: str) -> None:
    onboard(app, unique, broken_source=True)
    result = run_layer(app, RunRequest("bronze_to_silver"))
    statuses = {r.key: r.status for r in result.results}
    assert statuses == {
        f"dev_silver.{unique}.customers": TaskStatus.SUCCESS,
        f"dev_silver.{unique}.stores": TaskStatus.FAILED,
        f"dev_silver.{unique}.orders": TaskStatus.SKIPPED,
    }
    failed = next(r for r in result.results if r.status is TaskStatus.FAILED)
    assert f"source table dev_bronze.{unique}.missing does not exist" in failed.message
    skipped = next(r for r in result.results if r.status is TaskStatus.SKIPPED)
    assert f"dev_silver.{unique}.stores" in skipped.message
    assert read_table(app.lakehouse, f"dev_silver.{unique}.customers", "id")[0]["name"] == "a"
    assert not app.spark.catalog.tableExists(app.lakehouse.table("dev_silver", unique, "orders"))

    again = run_layer(app, RunRequest("bronze_to_silver", continue_on_failure=True))
    assert {r.key: r.status for r in again.results}[
        f"dev_silver.{unique}.orders"
    ] is TaskStatus.SUCCESS


def test_invalid_metadata_runs_nothing(app: Application, unique: str) -> None:
    onboard(app, unique)
    app.lakehouse.sql(
        f"UPDATE dev_silver.{unique}_meta.execution_table SET execution_pipeline = 'scd3' "
        "WHERE dst_table_name = 'stores'"
    )
    with pytest.raises(InvalidMetadata) as invalid:
        run_layer(app, RunRequest("bronze_to_silver"))
    assert f"dev_silver.{unique}.stores: unknown execution_pipeline 'scd3'" in str(invalid.value)
    assert not app.spark.catalog.tableExists(app.lakehouse.table("dev_silver", unique, "customers"))


def test_orchestrator_notebook_runs_the_loaders_through_dbutils(
    app: Application, unique: str
) -> None:
    onboard(app, unique)
    arguments = {
        "layer": "bronze_to_silver",
        "metadata_table": app.metadata_table,
        "max_workers": "2",
    }
    exit_value = app.engine.run("orchestrator/nb_orchestrator", arguments, 600)
    run = json.loads(exit_value or "{}")
    assert run["succeeded"] is True
    assert run["counts"]["SUCCESS"] == 3
    assert read_table(app.lakehouse, f"dev_silver.{unique}.orders", "id")[0]["id"] == 7


def test_orchestrator_notebook_fails_loudly(app: Application, unique: str) -> None:
    onboard(app, unique, broken_source=True)
    arguments = {"layer": "bronze_to_silver", "metadata_table": app.metadata_table}
    with pytest.raises(NotebookFailed) as failed:
        app.engine.run("orchestrator/nb_orchestrator", arguments, 600)
    assert "RunFailed: 2 task(s) did not succeed" in failed.value.details
    assert f"dev_silver.{unique}.stores (FAILED)" in failed.value.details


def test_dag_scheduler_skips_only_what_depends_on_a_failure(app: Application, unique: str) -> None:
    onboard(app, unique, broken_source=True)
    orders = f"dev_bronze.{unique}.orders"
    app.repository.upsert(
        [
            task_row(
                orders,
                f"dev_silver.{unique}.orders",
                "fact_overwrite",
                2,
                depends_on=[f"dev_silver.{unique}.customers"],
            ),
            task_row(
                orders,
                f"dev_silver.{unique}.store_orders",
                "fact_overwrite",
                2,
                depends_on=[f"dev_silver.{unique}.stores"],
            ),
        ]
    )

    result = run_layer(
        app, RunRequest("bronze_to_silver", max_workers=2)
    )  # auto: a row has depends_on

    assert {r.key: r.status for r in result.results} == {
        f"dev_silver.{unique}.customers": TaskStatus.SUCCESS,
        f"dev_silver.{unique}.stores": TaskStatus.FAILED,
        f"dev_silver.{unique}.orders": TaskStatus.SUCCESS,
        f"dev_silver.{unique}.store_orders": TaskStatus.SKIPPED,
    }
    skipped = next(r for r in result.results if r.status is TaskStatus.SKIPPED)
    assert skipped.message == (
        f"not started: upstream dev_silver.{unique}.stores did not succeed (FAILED)"
    )
    assert read_table(app.lakehouse, f"dev_silver.{unique}.orders", "id")[0]["id"] == 7


def test_orchestrator_notebook_takes_the_scheduler_widget(app: Application, unique: str) -> None:
    onboard(app, unique)
    arguments = {
        "layer": "bronze_to_silver",
        "metadata_table": app.metadata_table,
        "scheduler": "dag",
    }
    run = json.loads(app.engine.run("orchestrator/nb_orchestrator", arguments, 600) or "{}")
    assert run["succeeded"] is True
    assert run["counts"]["SUCCESS"] == 3


def test_orchestrator_notebook_takes_the_tables_to_fully_refresh(
    app: Application, unique: str
) -> None:
    onboard(app, unique)
    arguments = {"layer": "bronze_to_silver", "metadata_table": app.metadata_table}
    app.engine.run("orchestrator/nb_orchestrator", arguments, 600)
    customers, gold = f"dev_silver.{unique}.customers", f"dev_gold.{unique}.totals"
    app.repository.upsert([gold_row(gold, "mart/totals.sql")])
    # a job gives the names to each layer's task: the gold table is left to silver_to_gold's
    arguments["full_refresh_tables"] = f" {customers} ,{gold}, "
    run = json.loads(app.engine.run("orchestrator/nb_orchestrator", arguments, 600) or "{}")
    reported = {result["key"]: json.dumps(result) for result in run["results"]}
    assert "fully refreshed: rebuilt from dev_bronze." in reported[customers]
    assert "fully refreshed" not in reported[f"dev_silver.{unique}.stores"]

    arguments["full_refresh_tables"] = f"{customers},dev_silver.{unique}.nope"
    with pytest.raises(NotebookFailed) as failed:
        app.engine.run("orchestrator/nb_orchestrator", arguments, 600)
    assert f"dev_silver.{unique}.nope: --full-refresh: no task of this run" in failed.value.details


def test_a_table_made_before_depends_on_keeps_working_and_init_adds_the_column(
    app: Application, unique: str, tmp_path: Path
) -> None:
    old_ddl = tmp_path / "execution_table.sql"
    old_ddl.write_text(
        app.repository.ddl_file.read_text().replace(",\n  depends_on ARRAY<STRING>", "")
    )
    table = f"dev_silver.{unique}_old.execution_table"
    old = MetadataRepository(app.lakehouse, table, old_ddl)
    old.init()
    assert "depends_on" not in app.spark.table(old.physical_name).columns
    app = app.replace(repository=old)
    onboard(app, unique)

    assert run_layer(app, RunRequest("bronze_to_silver")).succeeded
    waits = task_row(
        f"dev_bronze.{unique}.orders",
        f"dev_silver.{unique}.orders",
        "fact_overwrite",
        2,
        depends_on=[f"dev_silver.{unique}.customers"],
    )
    with pytest.raises(ConfigError, match="has no column\\(s\\) depends_on: run `medallion init`"):
        old.upsert([waits])

    current = MetadataRepository(app.lakehouse, table, app.layout.ddl_dir / "execution_table.sql")
    current.init()
    current.upsert([waits])
    depends_on = {
        row.destination: row.depends_on for row in current.active_rows("bronze_to_silver")
    }
    assert depends_on[f"dev_silver.{unique}.orders"] == (f"dev_silver.{unique}.customers",)
    assert run_layer(app.replace(repository=current), RunRequest("bronze_to_silver")).succeeded


def test_a_notebook_and_its_children_run_in_the_fair_pool_of_their_worker(
    spark, lakehouse, tmp_path: Path
) -> None:
    header = "# Databricks notebook source\n"
    (tmp_path / "child.py").write_text(
        header + 'dbutils.notebook.exit(sc.getLocalProperty("spark.scheduler.pool"))\n'
    )
    (tmp_path / "parent.py").write_text(
        header + 'child = dbutils.notebook.run("./child", 60, {})\n'
        'dbutils.notebook.exit(sc.getLocalProperty("spark.scheduler.pool") + " " + child)\n'
    )
    engine = LocalNotebookEngine(spark, tmp_path, lakehouse)
    seen: list[str | None] = []
    worker = threading.Thread(
        target=lambda: seen.append(engine.run("parent", {}, 60)), name="medallion-task_3"
    )
    worker.start()
    worker.join(timeout=60)

    assert seen == ["pool-medallion-task_3 pool-medallion-task_3"]
    assert (
        spark.sparkContext.getConf()
        .get("spark.scheduler.allocation.file")
        .endswith("fairscheduler.xml")
    )
