"""Names without a catalog, placed in the current one as Databricks resolves them. No Spark."""

from __future__ import annotations

import pytest

from medallion_orchestrator.runtime.local_statements import qualified

KEPT = {"loose"}


@pytest.mark.parametrize(
    ("statement", "local", "in_default"),
    [
        ("CREATE SCHEMA scratch", "CREATE SCHEMA spark_catalog.`scratch`", False),
        (
            "DROP SCHEMA IF EXISTS s CASCADE",
            "DROP SCHEMA IF EXISTS spark_catalog.`s` CASCADE",
            False,
        ),
        ("SHOW TABLES IN scratch", "SHOW TABLES IN spark_catalog.`scratch`", False),
        ("SHOW SCHEMAS", "SHOW SCHEMAS IN spark_catalog", False),
        ("SHOW SCHEMAS LIKE 'x*'", "SHOW SCHEMAS IN spark_catalog LIKE 'x*'", False),
        ("INSERT INTO s.t VALUES (1)", "INSERT INTO spark_catalog.s.t VALUES (1)", False),
        ("SELECT a.id FROM s.t a", "SELECT a.id FROM spark_catalog.s.t AS a", False),
        (
            "CREATE TABLE loose AS SELECT 1 AS id",
            "CREATE TABLE spark_catalog.default.loose AS SELECT 1 AS id",
            True,
        ),
        ("CREATE TABLE fresh (id INT)", "CREATE TABLE spark_catalog.default.fresh (id INT)", True),
        ("SELECT id FROM loose", "SELECT id FROM spark_catalog.default.loose", True),
        ("SELECT id FROM unknown", "SELECT id FROM unknown", False),
        ("DROP VIEW temporary_one", "DROP VIEW temporary_one", False),
        ("WITH loose AS (SELECT 1 AS id) SELECT id FROM loose", None, False),
        ("CREATE TEMP VIEW v AS SELECT 1 AS id", None, False),
        ("SELECT * FROM range(3)", None, False),
        ("SELECT * FROM global_temp.v", None, False),
        ("SELECT * FROM dev_bronze__crm.users", None, False),
        ("SELECT * FROM dev_bronze.crm.users", None, False),
        ("CREATE SCHEMA dev_bronze.crm", None, False),
        ("SHOW TABLES IN dev_bronze.crm", None, False),
    ],
)
def test_a_name_without_a_catalog_is_in_the_current_one(
    statement: str, local: str | None, in_default: bool
) -> None:
    assert qualified(statement, KEPT.__contains__) == (local or statement, in_default)
