"""A notebook's SQL and pyspark calls speak the user's names, as on Databricks.

Locally `dev_silver.s` is the Spark database `dev_silver__s`. `USE dev_silver.s` makes it current,
`current_catalog()` and `current_schema()` answer `dev_silver` and `s`, and the errors that
`spark.sql`, `spark.table` and `DeltaTable.forName` raise in a notebook name `dev_silver`.`s`:
Spark's own error, of its class and condition.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from medallion_orchestrator.notebook_engine.engine import LocalNotebookEngine
from names import fresh_name

pytestmark = pytest.mark.spark

SQL_TOUR = """# Databricks notebook source
import json

from delta.tables import DeltaTable

dbutils.widgets.text("schema", "")
schema = dbutils.widgets.get("schema")

# COMMAND ----------


def failure(call):
    try:
        call()
    except Exception as error:
        return [type(error).__name__, error.getCondition(), str(error).splitlines()[0]]


def current():
    frame = spark.sql("SELECT current_catalog(), current_schema(), current_database()")
    return [frame.columns, list(frame.first())]


spark.sql(f"USE dev_silver.{schema}")
after_use = current()
spark.sql(f"USE DATABASE dev_silver.{schema}")
seen = {
    "after_use": after_use,
    "after_use_database": current(),
    "in_a_query": spark.sql("SELECT id FROM orders WHERE current_schema() = 'x'").count(),
    "use_current_catalog": spark.sql("USE CATALOG dev_silver").columns,
    "use_catalog": failure(lambda: spark.sql("USE CATALOG spark_catalog")),
    "sql": failure(lambda: spark.sql(f"SELECT * FROM dev_silver.{schema}.nope")),
    "table": failure(lambda: spark.table(f"dev_silver.{schema}.nope")),
    "read_table": failure(lambda: spark.read.table(f"dev_silver.{schema}_nope.t")),
    "for_name": failure(lambda: DeltaTable.forName(spark, f"dev_silver.{schema}.nope")),
}
dbutils.notebook.exit(json.dumps(seen))
"""


@pytest.fixture()
def schema(spark) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """`dev_silver.<schema>` with a table; Spark's own current database as it was, after."""
    name = fresh_name("sql_names")
    spark.sql(f"CREATE SCHEMA dev_silver.{name}")
    spark.sql(f"CREATE TABLE dev_silver.{name}.orders (id INT)")
    java_catalog = spark.catalog._jcatalog
    before = java_catalog.currentDatabase()
    yield name
    java_catalog.setCurrentDatabase(before)


def test_a_notebooks_sql_speaks_the_users_names(
    spark,  # type: ignore[no-untyped-def]
    lakehouse,  # type: ignore[no-untyped-def]
    schema: str,
    tmp_path: Path,
) -> None:
    (tmp_path / "sql_tour.py").write_text(SQL_TOUR)
    engine = LocalNotebookEngine(spark, tmp_path, lakehouse)

    seen = json.loads(engine.run("sql_tour", {"schema": schema}, 300) or "{}")

    named = [
        ["current_catalog()", "current_schema()", "current_schema()"],
        ["dev_silver", schema, schema],
    ]
    not_found = f"The table or view `dev_silver`.`{schema}`.`nope` cannot be found."
    assert seen == {
        "after_use": named,
        "after_use_database": named,
        "in_a_query": 0,
        "use_current_catalog": [],
        "use_catalog": [
            "LocalCatalogError",
            "UNSUPPORTED_LOCALLY",
            "[UNSUPPORTED_LOCALLY] Catalog 'spark_catalog' cannot be made current on the local "
            "lakehouse: name its tables spark_catalog.schema.table, or make one of its schemas "
            "current: USE SCHEMA spark_catalog.schema.",
        ],
        "sql": [
            "AnalysisException",
            "TABLE_OR_VIEW_NOT_FOUND",
            f"[TABLE_OR_VIEW_NOT_FOUND] {not_found} Verify the spelling and correctness of the "
            "schema and catalog.",
        ],
        "table": seen["sql"],
        "read_table": [
            "AnalysisException",
            "TABLE_OR_VIEW_NOT_FOUND",
            f"[TABLE_OR_VIEW_NOT_FOUND] The table or view `dev_silver`.`{schema}_nope`.`t` "
            "cannot be found. Verify the spelling and correctness of the schema and catalog.",
        ],
        "for_name": seen["for_name"],
    }
    assert seen["table"] == seen["sql"]
    assert "__" not in json.dumps(seen)
    assert seen["for_name"][0] == "AnalysisException"
    assert f"`dev_silver`.`{schema}`.`nope`" in seen["for_name"][2]


def test_after_use_names_without_a_catalog_are_in_the_current_one(spark, schema: str) -> None:  # type: ignore[no-untyped-def]
    """As on Databricks: after `USE dev_silver.s`, `s2.u` is `dev_silver.s2.u` and a table
    created as plain `made` is `dev_silver.s.made`, in SQL and in pyspark's own methods."""
    other = fresh_name("sql_names")
    spark.sql(f"CREATE SCHEMA dev_silver.{other}")
    spark.sql(f"CREATE TABLE dev_silver.{other}.u AS SELECT 1 AS id")
    spark.sql(f"USE dev_silver.{schema}")

    spark.sql("CREATE TABLE made (id INT)")
    read = spark.sql(f"SELECT id FROM {other}.u").collect()
    table = spark.table(f"{other}.u").collect()
    found = spark.catalog.getTable(f"{other}.u")

    assert [row.id for row in read + table] == [1, 1]
    assert (found.catalog, found.namespace) == ("dev_silver", [other])
    assert spark.catalog.tableExists(f"dev_silver.{schema}.made")
    assert not spark.catalog.tableExists("spark_catalog.default.made")
    assert spark.sql("SELECT current_schema()").first()[0] == schema
