"""Three-level names in SQL text: the local `catalog__schema` mapping and the Unity mapping.

No Spark: the lakehouse only needs a session to register tables, so a stub records statements.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medallion_orchestrator.runtime.lakehouse import Lakehouse
from medallion_orchestrator.runtime.local_lakehouse import LocalLakehouse


class StubCatalog:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def tableExists(self, name: str) -> bool:
        self.asked.append(name)
        return False


class StubSpark:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.catalog = StubCatalog()
        self.sparkContext = object()  # its own JVM: its own catalog

    def sql(self, statement: str, args: object = None) -> None:
        self.statements.append(statement)


@pytest.fixture
def stub_spark() -> StubSpark:
    return StubSpark()


@pytest.fixture
def local(stub_spark: StubSpark, tmp_path: Path) -> LocalLakehouse:
    return LocalLakehouse(stub_spark, tmp_path / "warehouse")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "SELECT * FROM dev_silver.sales.customers",
            "SELECT * FROM `dev_silver__sales`.`customers`",
        ),
        (
            "SELECT c.id, o.total FROM dev_silver.sales.customers AS c "
            "JOIN dev_silver.sales.orders o ON c.id = o.customer_id",
            "SELECT c.id, o.total FROM `dev_silver__sales`.`customers` AS c "
            "JOIN `dev_silver__sales`.`orders` o ON c.id = o.customer_id",
        ),
        (
            "WITH recent AS (SELECT * FROM dev_silver.sales.orders) SELECT * FROM recent",
            "WITH recent AS (SELECT * FROM `dev_silver__sales`.`orders`) SELECT * FROM recent",
        ),
        (
            "INSERT INTO dev_gold.mart.daily SELECT * FROM dev_silver.sales.orders",
            "INSERT INTO `dev_gold__mart`.`daily` SELECT * FROM `dev_silver__sales`.`orders`",
        ),
        (
            "MERGE INTO dev_silver.sales.customers AS t USING dev_bronze.sales.customers AS s "
            "ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
            "MERGE INTO `dev_silver__sales`.`customers` AS t USING `dev_bronze__sales`.`customers`"
            " AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
        ),
        (
            "CREATE TABLE dev_gold.mart.daily AS SELECT * FROM dev_silver.sales.orders",
            "CREATE TABLE `dev_gold__mart`.`daily` AS SELECT * FROM `dev_silver__sales`.`orders`",
        ),
        (
            "DROP TABLE IF EXISTS dev_gold.mart.daily",
            "DROP TABLE IF EXISTS `dev_gold__mart`.`daily`",
        ),
        (
            "DESCRIBE HISTORY dev_silver.sales.customers",
            "DESCRIBE HISTORY `dev_silver__sales`.`customers`",
        ),
        ("OPTIMIZE dev_silver.sales.customers", "OPTIMIZE `dev_silver__sales`.`customers`"),
        (
            "CREATE SCHEMA IF NOT EXISTS dev_silver.sales",
            "CREATE SCHEMA IF NOT EXISTS `dev_silver__sales`",
        ),
        ("DROP SCHEMA dev_silver.sales", "DROP SCHEMA `dev_silver__sales`"),
        ("SHOW TABLES IN dev_silver.sales", "SHOW TABLES IN `dev_silver__sales`"),
        (
            "show tables from dev_silver.sales like 'c*'",
            "show tables from `dev_silver__sales` like 'c*'",
        ),
        (
            "SELECT * FROM `dev_silver`.`sales`.`customers`",
            "SELECT * FROM `dev_silver__sales`.`customers`",
        ),
        (
            "SELECT * FROM Dev_Silver.Sales.Customers",
            "SELECT * FROM `dev_silver__sales`.`customers`",
        ),
    ],
)
def test_three_level_names_become_catalog__schema(
    local: LocalLakehouse, statement: str, expected: str
) -> None:
    assert local.rewrite(statement) == expected


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM sales.customers",
        "SELECT * FROM customers AS c JOIN orders o ON c.id = o.id",
        "WITH sales AS (SELECT 1 AS x) SELECT x FROM sales",
        "SELECT 'dev_silver.sales.customers' AS name",
        "SHOW TABLES",
    ],
)
def test_names_without_a_catalog_are_left_alone(local: LocalLakehouse, statement: str) -> None:
    assert local.rewrite(statement) == statement


@pytest.mark.parametrize(
    "statement",
    [
        "SET spark.sql.codegen.wholeStage",
        "SET spark.databricks.delta.properties.defaults.enableDeletionVectors = true",
        "set spark.sql.ansi.enabled=false",
        "RESET spark.sql.codegen.wholeStage",
    ],
)
def test_a_configuration_key_is_not_a_table_name(local: LocalLakehouse, statement: str) -> None:
    assert local.rewrite(statement) == statement


def test_a_variable_set_from_a_query_still_reads_its_table(local: LocalLakehouse) -> None:
    rewritten = local.rewrite("SET VAR n = (SELECT count(*) FROM dev_silver.sales.t)")

    assert "`dev_silver__sales`.`t`" in rewritten


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT parse_json(doc) AS doc FROM dev_bronze.v.raw",
        "SELECT doc:a::int, try_variant_get(doc, '$.b', 'int') AS b FROM dev_bronze.v.raw r",
        "CREATE TABLE dev_bronze.v.t AS\nSELECT id, parse_json(doc) AS doc -- as JSON\n"
        "FROM dev_bronze.v.raw WHERE id IN (SELECT id FROM `dev_bronze`.`v`.`raw`)",
    ],
)
def test_only_the_names_change_and_the_rest_is_as_written(
    local: LocalLakehouse, statement: str
) -> None:
    """sqlglot's Spark rendering turned `parse_json(doc)` into `doc`: a VARIANT column
    silently became a STRING one."""
    expected = (
        statement.replace("`dev_bronze`.`v`.`raw`", "`dev_bronze__v`.`raw`")
        .replace("dev_bronze.v.raw", "`dev_bronze__v`.`raw`")
        .replace("dev_bronze.v.t", "`dev_bronze__v`.`t`")
    )

    assert local.rewrite(statement) == expected


def test_a_string_literal_that_looks_like_a_name_is_kept(local: LocalLakehouse) -> None:
    rewritten = local.rewrite("SELECT 'dev_silver.sales.customers' AS n FROM dev_silver.sales.t")

    assert rewritten == "SELECT 'dev_silver.sales.customers' AS n FROM `dev_silver__sales`.`t`"


def test_the_environment_catalog_mapping_applies_locally(
    stub_spark: StubSpark, tmp_path: Path
) -> None:
    lakehouse = LocalLakehouse(stub_spark, tmp_path, {"dev_silver": "prod_silver"})  # type: ignore[arg-type]

    rewritten = lakehouse.rewrite(
        "SELECT * FROM dev_silver.sales.customers c JOIN dev_bronze.sales.raw r ON c.id = r.id"
    )

    assert rewritten == (
        "SELECT * FROM `prod_silver__sales`.`customers` c "
        "JOIN `dev_bronze__sales`.`raw` r ON c.id = r.id"
    )
    assert lakehouse.database("dev_silver", "sales") == "prod_silver__sales"
    assert lakehouse.rewrite("SHOW TABLES IN dev_silver.sales") == (
        "SHOW TABLES IN `prod_silver__sales`"
    )


def test_local_naming_helpers(local: LocalLakehouse, tmp_path: Path) -> None:
    assert local.database("Dev_Silver", "Sales") == "dev_silver__sales"
    assert local.table("dev_silver", "sales", "Customers") == "`dev_silver__sales`.`customers`"
    assert local.table_of("dev_silver.sales.customers") == "`dev_silver__sales`.`customers`"
    assert local.schema("dev_silver", "sales") == "`dev_silver__sales`"
    assert local.table_location("dev_silver", "sales", "Customers") == (
        tmp_path / "warehouse" / "dev_silver__sales.db" / "customers"
    )
    with pytest.raises(ValueError, match=r"expected catalog\.schema\.table"):
        local.table_of("sales.customers")


def test_naming_a_table_that_has_no_delta_folder_registers_nothing(
    local: LocalLakehouse, stub_spark: StubSpark
) -> None:
    local.rewrite("SELECT * FROM dev_silver.sales.customers")

    assert stub_spark.statements == []


def test_naming_an_existing_delta_table_registers_it_once(
    local: LocalLakehouse, stub_spark: StubSpark, tmp_path: Path
) -> None:
    location = tmp_path / "warehouse" / "dev_silver__sales.db" / "customers"
    (location / "_delta_log").mkdir(parents=True)

    local.rewrite("SELECT * FROM dev_silver.sales.customers")
    local.rewrite("SELECT count(*) FROM dev_silver.sales.customers")

    assert stub_spark.statements == [
        "CREATE DATABASE IF NOT EXISTS `dev_silver__sales`",
        f"CREATE TABLE IF NOT EXISTS `dev_silver__sales`.`customers` USING DELTA "
        f"LOCATION '{location}'",
    ]
    assert stub_spark.catalog.asked == ["`dev_silver__sales`.`customers`"]


def test_show_tables_registers_the_tables_of_the_database(
    local: LocalLakehouse, stub_spark: StubSpark, tmp_path: Path
) -> None:
    database = tmp_path / "warehouse" / "dev_silver__sales.db"
    for table in ("orders", "customers"):
        (database / table / "_delta_log").mkdir(parents=True)
    (database / "not_delta").mkdir()

    local.rewrite("SHOW TABLES IN dev_silver.sales")

    created = [
        statement.split(" USING")[0]
        for statement in stub_spark.statements
        if statement.startswith("CREATE TABLE")
    ]
    assert created == [
        "CREATE TABLE IF NOT EXISTS `dev_silver__sales`.`customers`",
        "CREATE TABLE IF NOT EXISTS `dev_silver__sales`.`orders`",
    ]


def test_unity_with_a_mapping_rewrites_catalogs(stub_spark: StubSpark) -> None:
    unity = Lakehouse(stub_spark, {"dev_silver": "prod_silver", "dev_bronze": "prod_bronze"})  # type: ignore[arg-type]

    assert unity.rewrite(
        "SELECT * FROM dev_silver.sales.customers c JOIN dev_gold.mart.daily d ON c.id = d.id"
    ) == (
        "SELECT * FROM `prod_silver`.`sales`.`customers` c "
        "JOIN `dev_gold`.`mart`.`daily` d ON c.id = d.id"
    )
    assert unity.rewrite("CREATE SCHEMA IF NOT EXISTS dev_bronze.sales") == (
        "CREATE SCHEMA IF NOT EXISTS `prod_bronze`.`sales`"
    )
    assert unity.rewrite("DESCRIBE HISTORY dev_silver.sales.customers") == (
        "DESCRIBE HISTORY `prod_silver`.`sales`.`customers`"
    )
    assert unity.table("dev_silver", "sales", "customers") == "`prod_silver`.`sales`.`customers`"
    assert stub_spark.statements == []


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT  *  FROM dev_silver.sales.customers  c",
        "SELECT count(*) FROM dev_silver.sales.customers WHERE x IN (SELECT 1)",
    ],
)
def test_unity_without_a_mapping_returns_the_text_unchanged(
    stub_spark: StubSpark, statement: str
) -> None:
    assert Lakehouse(stub_spark).rewrite(statement) == statement  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("statement", "kept"),
    [
        ("SELECT * FROM dev_silver.sales.orders TABLESAMPLE (10 PERCENT)", "TABLESAMPLE"),
        ("INSERT INTO dev_gold.mart.daily PARTITION (day = '2024-01-01') SELECT 1", "PARTITION"),
    ],
)
def test_clauses_attached_to_a_table_are_kept(
    local: LocalLakehouse, statement: str, kept: str
) -> None:
    rewritten = local.rewrite(statement)

    assert "`dev_" in rewritten
    assert kept in rewritten


@pytest.mark.parametrize("local_lakehouse", [True, False])
def test_the_catalog_mapping_ignores_case(
    stub_spark: StubSpark, tmp_path: Path, local_lakehouse: bool
) -> None:
    catalogs = {"dev_silver": "prod_silver"}
    lakehouse = (
        LocalLakehouse(stub_spark, tmp_path, catalogs)  # type: ignore[arg-type]
        if local_lakehouse
        else Lakehouse(stub_spark, catalogs)  # type: ignore[arg-type]
    )

    assert "prod_silver" in lakehouse.rewrite("SELECT * FROM DEV_SILVER.sales.customers")


@pytest.mark.parametrize(
    "statement", ["USE dev_silver.s1", "USE DATABASE dev_silver.s1", "USE SCHEMA dev_silver.s1"]
)
def test_use_makes_the_users_schema_current(local: LocalLakehouse, statement: str) -> None:
    assert local.rewrite(statement) == f"{statement.removesuffix('dev_silver.s1')}`dev_silver__s1`"
