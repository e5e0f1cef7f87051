"""Names without a catalog, placed in the current one as Databricks resolves them. No Spark."""

from __future__ import annotations

import pytest

from medallion_orchestrator.runtime.local_statements import classify, qualified, with_current_names

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
        ("SELECT a.id FROM s.t a", "SELECT a.id FROM spark_catalog.s.t a", False),
        (
            "SELECT parse_json(doc) AS doc -- as JSON\nFROM s.t JOIN `s`.`u` USING (id)",
            "SELECT parse_json(doc) AS doc -- as JSON\n"
            "FROM spark_catalog.s.t JOIN spark_catalog.`s`.`u` USING (id)",
            False,
        ),
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


@pytest.mark.parametrize(
    ("statement", "schema"),
    [
        ("USE dev_silver.s1", ("dev_silver", "s1")),
        ("use `dev_silver`.`s1`", ("dev_silver", "s1")),
        ("USE DATABASE dev_silver.s1", ("dev_silver", "s1")),
        ("USE SCHEMA dev_silver.s1", ("dev_silver", "s1")),
        ("USE NAMESPACE dev_silver.s1", ("dev_silver", "s1")),
    ],
)
def test_use_with_or_without_a_keyword_makes_a_schema_current(
    statement: str, schema: tuple[str, str]
) -> None:
    parsed = classify(statement)

    assert (parsed.kind, parsed.schema) == ("use_schema", schema)
    assert qualified(statement, KEPT.__contains__) == (statement, False)


@pytest.mark.parametrize(
    ("statement", "local", "in_default"),
    [
        ("USE s1", "USE spark_catalog.`s1`", False),
        ("USE default", "USE spark_catalog.`default`", True),
    ],
)
def test_use_of_a_schema_without_a_catalog_is_in_the_current_one(
    statement: str, local: str, in_default: bool
) -> None:
    assert qualified(statement, KEPT.__contains__) == (local, in_default)


@pytest.mark.parametrize(
    "statement", ["USE CATALOG dev_silver", "use catalog `dev_silver`", "SET CATALOG dev_silver"]
)
def test_use_catalog_is_a_catalog_command(statement: str) -> None:
    parsed = classify(statement)

    assert (parsed.kind, parsed.schema) == ("use_catalog", ("dev_silver", ""))
    assert qualified(statement, KEPT.__contains__) == (statement, False)


@pytest.mark.parametrize(
    ("statement", "answered"),
    [
        (
            "SELECT current_catalog(), current_schema(), current_database()",
            "SELECT 'dev_silver' AS `current_catalog()`, 's1' AS `current_schema()`, "
            "'s1' AS `current_schema()`",
        ),
        (
            "SELECT upper(current_schema()) AS s FROM t WHERE current_catalog() = 'x'",
            "SELECT upper('s1') AS s FROM t WHERE 'dev_silver' = 'x'",
        ),
        ("SELECT current_schema() AS here", "SELECT 's1' AS here"),
        (
            "SELECT parse_json(j) AS doc, current_schema ( ) -- here\nFROM t",
            "SELECT parse_json(j) AS doc, 's1' AS `current_schema()` -- here\nFROM t",
        ),
        ("SELECT 'current_schema()' AS text", None),
        ("SELECT 1", None),
        ("CREATE VIEW v AS SELECT current_schema() AS s", None),
    ],
)
def test_the_current_catalog_and_schema_are_answered_in_the_users_names(
    statement: str, answered: str | None
) -> None:
    assert with_current_names(statement, lambda: ("dev_silver", "s1")) == (answered or statement)


@pytest.mark.parametrize(
    ("statement", "local"),
    [
        ("SELECT * FROM s2.u", "SELECT * FROM dev_silver.s2.u"),
        ("SELECT id FROM loose", "SELECT id FROM dev_silver.s1.loose"),
        ("CREATE TABLE fresh (id INT)", "CREATE TABLE dev_silver.s1.fresh (id INT)"),
        ("SELECT id FROM unknown", "SELECT id FROM unknown"),
        ("CREATE SCHEMA s3", "CREATE SCHEMA dev_silver.`s3`"),
        ("USE s2", "USE dev_silver.`s2`"),
        ("USE SCHEMA default", "USE SCHEMA dev_silver.`default`"),
        ("SHOW TABLES IN s2", "SHOW TABLES IN dev_silver.`s2`"),
        ("SHOW SCHEMAS", "SHOW SCHEMAS IN dev_silver"),
        ("SELECT * FROM spark_catalog.s2.u", None),
    ],
)
def test_after_use_names_without_a_catalog_are_in_the_current_catalog_and_schema(
    statement: str, local: str | None
) -> None:
    """After `USE dev_silver.s1`, as on Databricks: `s2.u` is `dev_silver.s2.u` and a one-part
    name kept (or created) in the current schema is `dev_silver.s1`'s."""
    current = ("dev_silver", "s1")

    assert qualified(statement, KEPT.__contains__, lambda: current) == (local or statement, False)
