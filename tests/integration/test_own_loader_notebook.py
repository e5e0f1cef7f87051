"""A user's own loader notebook, written for Databricks, runs unchanged on the local lakehouse.

It uses pyspark's own API with three-level names, as on Databricks: `spark.table`,
`spark.read.table`, `spark.sql`, `spark.catalog.tableExists`, `df.write.saveAsTable` and
`DeltaTable.forName`, and the README's exit-value recipe.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medallion_orchestrator.notebook_engine.engine import LocalNotebookEngine
from medallion_orchestrator.runners.engine_runner import LocalNotebookRunner
from medallion_orchestrator.tasks import NotebookTask, TaskStatus

pytestmark = [pytest.mark.spark, pytest.mark.codegen]

OWN_LOADER = """# Databricks notebook source
import json

from delta.tables import DeltaTable
from medallion_orchestrator.exit_value import run_and_exit

# COMMAND ----------

dbutils.widgets.text("task", "")
task = json.loads(dbutils.widgets.get("task"))


def load():
    source = f"{task['src_catalog']}.{task['src_schema']}.{task['src_table_name']}"
    target = f"{task['dst_catalog']}.{task['dst_schema']}.{task['dst_table_name']}"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {task['dst_catalog']}.{task['dst_schema']}")
    orders = spark.table(source).where("amount > 0")
    existing = spark.read.table(target).count() if spark.catalog.tableExists(target) else 0
    orders.write.mode("append" if existing else "overwrite").saveAsTable(target)
    version = DeltaTable.forName(spark, target).history(1).first()["version"]
    return {"target": target, "rows_written": orders.count(), "target_version": version}


run_and_exit(dbutils, load)
"""


@pytest.fixture()
def engine(spark, lakehouse, tmp_path: Path) -> LocalNotebookEngine:
    (tmp_path / "own_loader.py").write_text(OWN_LOADER)
    return LocalNotebookEngine(spark, tmp_path, lakehouse)


def test_a_notebook_written_for_databricks_runs_as_it_is(
    engine: LocalNotebookEngine, lakehouse, spark, unique: str
) -> None:
    lakehouse.sql(f"CREATE SCHEMA IF NOT EXISTS dev_bronze.{unique}")
    lakehouse.sql(f"CREATE TABLE dev_bronze.{unique}.orders (id INT, amount INT)")
    lakehouse.sql(f"INSERT INTO dev_bronze.{unique}.orders VALUES (1, 5), (2, 0), (3, 7)")
    row = {
        "src_catalog": "dev_bronze",
        "src_schema": unique,
        "src_table_name": "orders",
        "dst_catalog": "dev_silver",
        "dst_schema": unique,
        "dst_table_name": "orders",
    }
    task = NotebookTask("k", "own_loader", 1, 120, arguments={"task": json.dumps(row)})

    first = LocalNotebookRunner(engine).run(task)
    second = LocalNotebookRunner(engine).run(task)

    assert first.status is TaskStatus.SUCCESS, first.message
    assert (first.load.rows_written, first.load.target_version) == (2, 0)
    assert (second.load.rows_written, second.load.target_version) == (2, 1)
    target = f"dev_silver.{unique}.orders"
    assert spark.table(target).count() == 4
    assert spark.catalog.tableExists(target)
    assert not spark.catalog.tableExists(f"dev_silver.{unique}.nothing")
    tables = spark.catalog.listTables(f"dev_silver.{unique}")  # and other tests' temp views
    assert [t.name for t in tables if not t.isTemporary] == ["orders"]
    assert spark.sql(f"SELECT sum(amount) FROM {target}").first()[0] == 24


def test_its_error_reaches_the_result_in_the_users_names(
    engine: LocalNotebookEngine, spark, lakehouse_home: Path, unique: str
) -> None:
    from medallion_orchestrator.application import Application
    from medallion_orchestrator.runners.chain import local

    app = Application(home=lakehouse_home).replace(spark=spark, engine=engine)
    app.lakehouse.sql(f"CREATE SCHEMA IF NOT EXISTS dev_bronze.{unique}")
    row = {
        "src_catalog": "dev_bronze",
        "src_schema": unique,
        "src_table_name": "missing",
        "dst_catalog": "dev_silver",
        "dst_schema": unique,
        "dst_table_name": "orders",
    }
    task = NotebookTask("k", "own_loader", 1, 120, arguments={"task": json.dumps(row)})

    outcome = local(app.runner_parts()).run(task)

    assert outcome.status is TaskStatus.FAILED
    assert outcome.error_class == "AnalysisException"
    assert outcome.message.startswith(
        f"AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] The table or view `dev_bronze`.`{unique}`."
    ), outcome.message
    assert f"dev_bronze__{unique}" not in outcome.message + (outcome.error or "")


def test_names_without_a_catalog_mean_the_current_one_in_pyspark_too(
    spark, lakehouse_home: Path, unique: str
) -> None:
    """`s.t` is `spark_catalog.s.t` and a new `t` lives in `spark_catalog.default`, in SQL and in
    pyspark's own methods alike, and both are kept in the home."""
    spark.sql(f"CREATE SCHEMA {unique}")
    spark.range(2).write.saveAsTable(f"{unique}.numbers")
    spark.sql(f"CREATE TABLE {unique}_loose AS SELECT 7 AS id")

    assert spark.table(f"{unique}.numbers").count() == 2
    assert spark.sql(f"SELECT count(*) FROM spark_catalog.{unique}.numbers").first()[0] == 2
    assert spark.catalog.tableExists(f"{unique}.numbers")
    assert spark.sql(f"SELECT id FROM {unique}_loose").first()[0] == 7
    assert spark.table(f"{unique}_loose").first()[0] == 7
    warehouse = lakehouse_home / "warehouse"
    assert (warehouse / f"spark_catalog__{unique}.db" / "numbers" / "_delta_log").is_dir()
    assert (warehouse / "spark_catalog__default.db" / f"{unique}_loose" / "_delta_log").is_dir()
