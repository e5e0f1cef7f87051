"""pyspark's catalog API on the local lakehouse answers as on Databricks, in the user's names.

Locally `dev_silver.s.t` is the Spark database `dev_silver__s`; what `spark.catalog` returns
(tables, functions, schemas, catalogs, and its errors) names `dev_silver` and `s`, never the
local database. Listing a schema's tables needs code generation on Spark 4.1 (`codegen`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from medallion_orchestrator.notebook_engine.engine import LocalNotebookEngine
from names import fresh_name

pytestmark = [pytest.mark.spark, pytest.mark.codegen]

CATALOG_TOUR = """# Databricks notebook source
import json

dbutils.widgets.text("schema", "")
schema = dbutils.widgets.get("schema")

# COMMAND ----------


def where(found):
    return [found.name, found.catalog, found.namespace]


def failure(call):
    try:
        call()
    except Exception as error:
        return [error.getCondition(), str(error).splitlines()[0]]


catalog = spark.catalog
spark.sql(f"USE SCHEMA dev_silver.{schema}")
catalog.setCurrentDatabase(schema)  # a schema of the current catalog: dev_silver
seen = {
    "current": [catalog.currentCatalog(), catalog.currentDatabase()],
    "table": where(catalog.getTable(f"dev_silver.{schema}.orders")),
    "tables": [where(t) for t in catalog.listTables(f"dev_silver.{schema}") if not t.isTemporary],
    "current_tables": [where(t) for t in catalog.listTables() if not t.isTemporary],
    "two_level": where(catalog.getTable(f"{schema}.orders")),  # in the current catalog
    "function": where(catalog.getFunction(f"dev_silver.{schema}.plus_one")),
    "functions": [where(f) for f in catalog.listFunctions(schema, "plus*")],
    "function_exists": catalog.functionExists(f"{schema}.plus_one"),
    "database": list(catalog.getDatabase(f"dev_silver.{schema}"))[:2],
    "databases": [list(d)[:2] for d in catalog.listDatabases(schema)],
    "catalogs": [c.name for c in catalog.listCatalogs("dev_silver|spark_catalog")],
    "missing_table": failure(lambda: catalog.getTable(f"dev_silver.{schema}.nope")),
}
dbutils.notebook.exit(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def schema(spark) -> str:  # type: ignore[no-untyped-def]
    """`dev_silver.<schema>` with a table and a function, and `<schema>` in the current
    catalog with the same: one set for the whole module."""
    name = fresh_name("catalog_api")
    spark.sql(f"CREATE SCHEMA dev_silver.{name}")
    spark.sql(f"CREATE TABLE dev_silver.{name}.orders (id INT)")
    spark.sql(f"CREATE FUNCTION dev_silver.{name}.plus_one(x INT) RETURNS INT RETURN x + 1")
    spark.sql(f"CREATE SCHEMA {name}")
    spark.sql(f"CREATE TABLE {name}.loose (id INT)")
    spark.sql(f"CREATE FUNCTION spark_catalog.{name}.plus_two(x INT) RETURNS INT RETURN x + 2")
    return name


@pytest.fixture()
def kept_current_schema(spark) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Spark's own current database, as it was before the test: other tests rely on it."""
    java_catalog = spark.catalog._jcatalog
    before = java_catalog.currentDatabase()
    yield
    java_catalog.setCurrentDatabase(before)


def where(found: object) -> tuple[object, ...]:
    return (found.name, found.catalog, found.namespace)  # type: ignore[attr-defined]


def test_tables_name_the_users_catalog_and_schema(spark, schema: str) -> None:  # type: ignore[no-untyped-def]
    table = spark.catalog.getTable(f"dev_silver.{schema}.orders")
    tables = spark.catalog.listTables(f"dev_silver.{schema}")

    assert where(table) == ("orders", "dev_silver", [schema])
    assert (table.database, table.tableType, table.isTemporary) == (schema, "MANAGED", False)
    assert [where(t) for t in tables if not t.isTemporary] == [("orders", "dev_silver", [schema])]


def test_a_two_level_name_is_in_the_current_catalog(spark, schema: str) -> None:  # type: ignore[no-untyped-def]
    tables = spark.catalog.listTables(schema)

    assert where(spark.catalog.getTable(f"{schema}.loose")) == ("loose", "spark_catalog", [schema])
    assert [where(t) for t in tables if not t.isTemporary] == [("loose", "spark_catalog", [schema])]


def test_functions_of_a_schema_are_found_by_the_users_names(spark, schema: str) -> None:  # type: ignore[no-untyped-def]
    in_schema = spark.catalog.listFunctions(schema, "plus*")
    three_level = spark.catalog.listFunctions(f"dev_silver.{schema}", "plus*")

    assert [where(f) for f in in_schema] == [("plus_two", "spark_catalog", [schema])]
    assert [where(f) for f in three_level] == [("plus_one", "dev_silver", [schema])]
    function = spark.catalog.getFunction(f"dev_silver.{schema}.plus_one")
    assert (*where(function), function.isTemporary) == ("plus_one", "dev_silver", [schema], False)
    assert spark.catalog.functionExists(f"dev_silver.{schema}.plus_one")
    assert spark.catalog.functionExists(f"{schema}.plus_two")
    assert not spark.catalog.functionExists(f"dev_silver.{schema}.plus_two")


def test_the_current_schema_and_catalog_are_the_users(
    spark,  # type: ignore[no-untyped-def]
    schema: str,
    kept_current_schema: None,
) -> None:
    spark.sql(f"USE SCHEMA dev_silver.{schema}")
    spark.catalog.setCurrentDatabase(schema)  # a schema of the current catalog, as on Databricks

    assert spark.catalog.currentCatalog() == "dev_silver"
    assert spark.catalog.currentDatabase() == schema
    assert [where(t) for t in spark.catalog.listTables() if not t.isTemporary] == [
        ("orders", "dev_silver", [schema])
    ]
    databases = spark.catalog.listDatabases()
    assert {d.catalog for d in databases} == {"dev_silver"}
    assert schema in [d.name for d in databases]
    assert not [d.name for d in databases if "__" in d.name]


def test_schemas_and_catalogs_are_listed_by_the_users_names(
    spark,  # type: ignore[no-untyped-def]
    schema: str,
    kept_current_schema: None,
) -> None:
    spark.sql(f"USE SCHEMA spark_catalog.{schema}")
    database = spark.catalog.getDatabase(f"dev_silver.{schema}")
    in_current_catalog = spark.catalog.listDatabases(schema)
    catalogs = [c.name for c in spark.catalog.listCatalogs()]

    assert (database.name, database.catalog) == (schema, "dev_silver")
    assert [(d.name, d.catalog) for d in in_current_catalog] == [(schema, "spark_catalog")]
    assert {"dev_silver", "spark_catalog"} <= set(catalogs)
    assert not [name for name in catalogs if "__" in name]


def test_a_missing_table_or_schema_is_sparks_error_in_the_users_names(spark, schema: str) -> None:  # type: ignore[no-untyped-def]
    from pyspark.errors import AnalysisException

    with pytest.raises(AnalysisException) as table:
        spark.catalog.getTable(f"dev_silver.{schema}.nope")
    with pytest.raises(AnalysisException) as listed:
        spark.catalog.listTables(f"dev_silver.{schema}_nope")
    with pytest.raises(AnalysisException) as database:
        spark.catalog.getDatabase(f"dev_silver.{schema}_nope")

    assert table.value.getCondition() == "TABLE_OR_VIEW_NOT_FOUND"
    assert str(table.value).startswith(
        f"[TABLE_OR_VIEW_NOT_FOUND] The table or view `dev_silver`.`{schema}`.`nope` "
    )
    for missing in (listed.value, database.value):
        assert missing.getCondition() == "SCHEMA_NOT_FOUND"
        assert str(missing).startswith(
            f"[SCHEMA_NOT_FOUND] The schema `dev_silver`.`{schema}_nope` cannot be found."
        ), str(missing)
    assert "__" not in str(table.value) + str(listed.value) + str(database.value)


def test_a_notebook_written_for_databricks_reads_the_catalog_as_there(
    spark,  # type: ignore[no-untyped-def]
    lakehouse,  # type: ignore[no-untyped-def]
    schema: str,
    tmp_path: Path,
    kept_current_schema: None,
) -> None:
    (tmp_path / "catalog_tour.py").write_text(CATALOG_TOUR)
    engine = LocalNotebookEngine(spark, tmp_path, lakehouse)

    seen = json.loads(engine.run("catalog_tour", {"schema": schema}, 300) or "{}")

    assert seen == {
        "current": ["dev_silver", schema],
        "table": ["orders", "dev_silver", [schema]],
        "tables": [["orders", "dev_silver", [schema]]],
        "current_tables": [["orders", "dev_silver", [schema]]],
        "two_level": ["orders", "dev_silver", [schema]],
        "function": ["plus_one", "dev_silver", [schema]],
        "functions": [["plus_one", "dev_silver", [schema]]],
        "function_exists": True,
        "database": [schema, "dev_silver"],
        "databases": [[schema, "dev_silver"]],
        "catalogs": ["dev_silver", "spark_catalog"],
        "missing_table": [
            "TABLE_OR_VIEW_NOT_FOUND",
            f"[TABLE_OR_VIEW_NOT_FOUND] The table or view `dev_silver`.`{schema}`.`nope` cannot "
            "be found. Verify the spelling and correctness of the schema and catalog.",
        ],
    }
