"""Each loader notebook, run for real on local Spark + Delta, on simple data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from integration.helpers import FIVETRAN, read_table, task_row, version, write_table
from medallion_orchestrator.application import Application
from medallion_orchestrator.execution.results import TaskStatus
from medallion_orchestrator.loaders.gold_sql import GoldInputs, load_gold_sql
from medallion_orchestrator.planning import task_for

pytestmark = pytest.mark.spark

DAY1 = dt.datetime(2024, 1, 1)
DAY2 = dt.datetime(2024, 1, 2)
BRONZE_SCHEMA = "id INT, name STRING, _fivetran_synced TIMESTAMP, _fivetran_deleted BOOLEAN"


def run_task(app: Application, row):
    return app.runner.run(task_for(row, app.pipelines, app.environment))


def test_scd1_upserts_and_deletes(app: Application, unique: str) -> None:
    source, target = f"dev_bronze.{unique}.customers", f"dev_silver.{unique}.customers"
    row = task_row(source, target, "scd1", keys=["id"], config=FIVETRAN)
    write_table(
        app.lakehouse, source, [(1, "a", DAY1, False), (2, "b", DAY1, False)], BRONZE_SCHEMA
    )
    first = run_task(app, row)
    assert first.status is TaskStatus.SUCCESS, first.error
    assert first.load is not None and first.load.rows_written == 2

    write_table(
        app.lakehouse,
        source,
        [
            (1, "a", DAY1, False),
            (1, "a2", DAY2, False),
            (2, "b", DAY2, True),
            (3, "c", DAY2, False),
        ],
        BRONZE_SCHEMA,
    )
    assert run_task(app, row).status is TaskStatus.SUCCESS
    assert read_table(app.lakehouse, target, "id") == [
        {"id": 1, "name": "a2", "_fivetran_synced": DAY2},
        {"id": 3, "name": "c", "_fivetran_synced": DAY2},
    ]


def test_scd2_keeps_history_and_reruns_change_nothing(app: Application, unique: str) -> None:
    source, target = f"dev_bronze.{unique}.products", f"dev_silver.{unique}.products"
    row = task_row(source, target, "scd2", keys=["id"], config=FIVETRAN)
    write_table(
        app.lakehouse, source, [(1, "a", DAY1, False), (2, "b", DAY1, False)], BRONZE_SCHEMA
    )
    assert run_task(app, row).status is TaskStatus.SUCCESS
    write_table(
        app.lakehouse,
        source,
        [(1, "a2", DAY2, False), (2, "b", DAY2, True), (3, "c", DAY2, False)],
        BRONZE_SCHEMA,
    )
    assert run_task(app, row).status is TaskStatus.SUCCESS
    expected = [
        (1, "a", DAY1, DAY1, DAY2, False),
        (1, "a2", DAY2, DAY2, None, True),
        (2, "b", DAY1, DAY1, DAY2, False),
        (3, "c", DAY2, DAY2, None, True),
    ]
    columns = ["id", "name", "_fivetran_synced", "effective_from", "effective_to", "is_current"]
    assert read_table(app.lakehouse, target, "id,effective_from") == [
        dict(zip(columns, r, strict=True)) for r in expected
    ]

    before = read_table(app.lakehouse, target, "id,effective_from")
    assert run_task(app, row).status is TaskStatus.SUCCESS
    assert read_table(app.lakehouse, target, "id,effective_from") == before


def test_fact_overwrite_replaces_the_table(app: Application, unique: str) -> None:
    source, target = f"dev_bronze.{unique}.payments", f"dev_silver.{unique}.payments"
    row = task_row(
        source, target, "fact_overwrite", order=2, config={"exclude_columns": ["_fivetran_deleted"]}
    )
    write_table(
        app.lakehouse, source, [(1, "x", DAY1, False), (2, "y", DAY1, False)], BRONZE_SCHEMA
    )
    assert run_task(app, row).status is TaskStatus.SUCCESS
    write_table(app.lakehouse, source, [(5, "z", DAY2, False)], BRONZE_SCHEMA)
    outcome = run_task(app, row)
    assert outcome.status is TaskStatus.SUCCESS
    assert outcome.load is not None and outcome.load.rows_written == 1
    assert read_table(app.lakehouse, target, "id") == [
        {"id": 5, "name": "z", "_fivetran_synced": DAY2}
    ]


def test_fact_replace_where_replaces_the_rows_of_its_predicate(
    app: Application, unique: str
) -> None:
    source, target = f"dev_bronze.{unique}.payments", f"dev_silver.{unique}.payments"
    config = {"replace_where": "_fivetran_synced >= '2024-01-02'"}
    row = task_row(source, target, "fact_replace_where", order=2, config=config)
    write_table(
        app.lakehouse, target, [(1, "x", DAY1, False), (2, "y", DAY2, False)], BRONZE_SCHEMA
    )
    write_table(app.lakehouse, source, [(5, "z", DAY2, False)], BRONZE_SCHEMA)
    outcome = run_task(app, row)
    assert outcome.status is TaskStatus.SUCCESS, outcome.error
    assert outcome.load is not None and outcome.load.rows_written == 1
    assert [r["id"] for r in read_table(app.lakehouse, target, "id")] == [1, 5]


def test_incremental_merge_reads_past_the_watermark(app: Application, unique: str) -> None:
    source, target = f"dev_bronze.{unique}.orders", f"dev_silver.{unique}.orders"
    schema = "order_id INT, amount INT, updated_at TIMESTAMP"
    row = task_row(
        source,
        target,
        "fact_incremental_merge",
        order=2,
        keys=["order_id"],
        config={"watermark_column": "updated_at"},
    )
    write_table(app.lakehouse, source, [(1, 10, DAY1), (2, 20, DAY1)], schema)
    assert run_task(app, row).status is TaskStatus.SUCCESS
    write_table(
        app.lakehouse, source, [(1, 10, DAY1), (2, 25, DAY2), (3, 30, DAY1), (4, 40, DAY2)], schema
    )
    outcome = run_task(app, row)
    assert outcome.status is TaskStatus.SUCCESS, outcome.error
    assert [
        (r["order_id"], r["amount"]) for r in read_table(app.lakehouse, target, "order_id")
    ] == [
        (1, 10),
        (2, 25),
        (3, 30),
        (4, 40),
    ]


def test_a_failed_load_leaves_the_target_as_it_was(app: Application, unique: str) -> None:
    source, target = f"dev_bronze.{unique}.stores", f"dev_silver.{unique}.stores"
    row = task_row(source, target, "scd1", keys=["id"], config=FIVETRAN)
    write_table(app.lakehouse, source, [(1, "a", DAY1, False)], BRONZE_SCHEMA)
    assert run_task(app, row).status is TaskStatus.SUCCESS
    before = version(app.lakehouse, target)
    write_table(
        app.lakehouse, source, [(None, "a", DAY2, False), (2, "b", DAY2, False)], BRONZE_SCHEMA
    )
    outcome = run_task(app, row)
    assert outcome.status is TaskStatus.FAILED
    assert f"{target}: NULL in key column id (1 row(s))" in outcome.message
    assert version(app.lakehouse, target) == before
    # the failed notebook's exit value says so: its target, at the version it left it
    assert outcome.load is not None
    assert (outcome.load.target, outcome.load.target_version) == (target, before)
    assert outcome.load.rows_written is None


def test_missing_source_table_names_it(app: Application, unique: str) -> None:
    row = task_row(
        f"dev_bronze.{unique}.nothing", f"dev_silver.{unique}.nothing", "scd1", keys=["id"]
    )
    outcome = run_task(app, row)
    assert outcome.status is TaskStatus.FAILED
    assert f"source table dev_bronze.{unique}.nothing does not exist" in outcome.message
    # the cause came in the notebook's exit value, as it must on Databricks
    assert (outcome.error_class, outcome.transient) == ("LoadError", False)
    assert outcome.load is not None
    assert (outcome.load.target, outcome.load.target_version) == (row.destination, None)
    assert outcome.error is not None and "nb_silver_dim_loader [cell" in outcome.error


def test_gold_sql_runs_its_file(app: Application, unique: str, tmp_path: Path) -> None:
    source = f"dev_silver.{unique}.sales"
    write_table(
        app.lakehouse,
        source,
        [(1, 10, DAY1), (2, 5, DAY1), (3, 7, DAY2)],
        "id INT, amount INT, day TIMESTAMP",
    )
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "daily.sql").write_text(
        "-- revenue per day; a ; in a comment\n"
        f"CREATE OR REPLACE TABLE dev_gold.{unique}.daily AS\n"
        f"SELECT day, sum(amount) AS revenue FROM {source} GROUP BY day;\n"
    )
    row = task_row(
        "",
        f"dev_gold.{unique}.daily",
        "gold_sql",
        layer="silver_to_gold",
        sql_file_path="gold/daily.sql",
    )
    result = load_gold_sql(app.lakehouse, row, GoldInputs(tmp_path))
    assert result.rows_written == 2
    assert [r["revenue"] for r in read_table(app.lakehouse, f"dev_gold.{unique}.daily", "day")] == [
        15,
        7,
    ]


def test_a_pipeline_of_another_name_loads_with_the_fact_notebook(
    app: Application, unique: str
) -> None:
    from medallion_orchestrator.project import Pipeline

    own = Pipeline("daily_facts", "silver/nb_silver_fact_loader")
    app = app.replace(pipelines={**app.pipelines, own.name: own})
    source, target = f"dev_bronze.{unique}.sales", f"dev_silver.{unique}.sales"
    write_table(app.lakehouse, source, [(1, "x", DAY1, False)], BRONZE_SCHEMA)

    outcome = run_task(app, task_row(source, target, "daily_facts", order=1))

    assert outcome.status is TaskStatus.SUCCESS, outcome.message
    assert [row["id"] for row in read_table(app.lakehouse, target, "id")] == [1]
