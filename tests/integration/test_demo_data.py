"""The demo's bronze data, metadata rows and gold SQL fit together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlglot
import yaml
from sqlglot import exp

from medallion_orchestrator.demo.bronze import bronze_tables, write_bronze
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.validation import validate_rows
from medallion_orchestrator.project import Pipeline
from medallion_orchestrator.runtime.lakehouse import Lakehouse

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[2]
ROWS_FILE = ROOT / "metadata" / "demo" / "execution_table.yml"
SQL_DIR = ROOT / "metadata" / "sql"
FIVETRAN_COLUMNS = {"_fivetran_synced", "_fivetran_deleted"}


def demo_rows() -> list[TaskRow]:
    raw = yaml.safe_load(ROWS_FILE.read_text())
    return [TaskRow.from_mapping(values) for values in raw["rows"]]


def silver_rows(active: bool = True) -> list[TaskRow]:
    return [
        row
        for row in demo_rows()
        if row.layer == "bronze_to_silver" and bool(row.is_active_flag) is active
    ]


def gold_rows() -> list[TaskRow]:
    return [row for row in demo_rows() if row.layer == "silver_to_gold"]


def pipelines() -> dict[str, Pipeline]:
    entries = yaml.safe_load((ROOT / "conf" / "pipelines.yml").read_text())["pipelines"]
    return {
        name: Pipeline(name, entry["notebook"], tuple(entry.get("requires") or ()))
        for name, entry in entries.items()
    }


def columns_named_by(row: TaskRow) -> set[str]:
    config = row.cdc
    names = {*(row.business_key_columns or ()), *(row.primary_key_columns or ())}
    names |= {*config.column_names(), *FIVETRAN_COLUMNS}
    return names


@pytest.fixture(scope="module")
def bronze_lakehouse(spark: Any) -> Lakehouse:
    from medallion_orchestrator.runtime.lakehouse import lakehouse_for

    return lakehouse_for(spark)


@pytest.fixture(scope="module")
def bronze_days(bronze_lakehouse: Lakehouse) -> dict[int, dict[str, set[str]]]:
    """Day 1 then day 2 written; per day, each table written and its columns. Ends on day 2."""
    spark = bronze_lakehouse.spark
    days = {}
    for day in (1, 2):
        written = write_bronze(bronze_lakehouse, day)
        days[day] = {
            name: set(spark.table(bronze_lakehouse.table_of(name)).columns) for name in written
        }
    return days


def test_rows_load_and_are_valid() -> None:
    rows = demo_rows()
    assert len(silver_rows()) >= 20
    assert 3 <= len(gold_rows()) <= 6
    assert [row.destination for row in rows if not row.is_active_flag] == [
        "dev_silver.pos.loyalty_events"
    ]
    assert {row.execution_order for row in silver_rows()} == {1, 2, 3}
    assert {row.execution_order for row in gold_rows()} == {1, 2, None}  # None: by its SQL
    active = [row for row in rows if row.is_active_flag]
    assert validate_rows(active, pipelines(), SQL_DIR) == []


def test_silver_destinations_mirror_their_sources() -> None:
    for row in silver_rows():
        assert (row.src_catalog, row.dst_catalog) == ("dev_bronze", "dev_silver")
        assert (row.src_schema, row.src_table_name) == (row.dst_schema, row.dst_table_name)


@pytest.mark.parametrize("day", [1, 2])
def test_bronze_has_every_source_and_column(
    bronze_days: dict[int, dict[str, set[str]]], day: int
) -> None:
    written = bronze_days[day]
    assert list(written) == bronze_tables()
    assert len(written) >= 22
    for name, columns in written.items():
        assert columns >= FIVETRAN_COLUMNS, f"{name} lacks the Fivetran columns"
    for row in silver_rows():
        assert row.source in written, f"{row.source} is not written"
        missing = columns_named_by(row) - written[row.source]
        assert not missing, f"{row.source} lacks {sorted(missing)}"
    for row in silver_rows(active=False):
        assert row.source not in written


def test_delete_conditions_find_day_twos_deletes(
    bronze_lakehouse: Lakehouse, bronze_days: dict[int, dict[str, set[str]]]
) -> None:
    deleted = {}
    for row in silver_rows():
        if row.cdc.delete_condition:
            frame = bronze_lakehouse.spark.table(bronze_lakehouse.table_of(row.source))
            key = (row.business_key_columns or row.primary_key_columns or ())[0]
            matched = frame.where(row.cdc.delete_condition).select(key).collect()
            if matched:
                deleted[row.source] = sorted(value for (value,) in matched)
    assert deleted == {  # day 2's documented deletes, each found by its table's condition
        "dev_bronze.shop.customers": [5],
        "dev_bronze.shop.products": [15],
        "dev_bronze.shop.promotions": ["WINTER15"],
        "dev_bronze.erp.employees": [30],
        "dev_bronze.shop.orders": [43],
        "dev_bronze.shop.order_lines": [43, 43],
        "dev_bronze.shop.payments": [10043],
    }


def test_day_two_holds_the_documented_events(
    bronze_lakehouse: Lakehouse, bronze_days: dict[int, dict[str, set[str]]]
) -> None:
    customers = bronze_lakehouse.sql(
        "SELECT customer_id, email, _fivetran_synced, _fivetran_deleted "
        "FROM dev_bronze.shop.customers WHERE customer_id IN (5, 7, 12)"
    ).collect()
    by_key: dict[int, list[Any]] = {}
    for row in customers:
        by_key.setdefault(row["customer_id"], []).append(row)
    assert sum(row["email"] is None for row in by_key[7]) == 2  # the exact duplicate
    assert any(row["_fivetran_deleted"] for row in by_key[5])
    assert min(row["_fivetran_synced"] for row in by_key[12]).isoformat() == "2024-02-28T09:00:00"
    orders = bronze_lakehouse.sql(
        "SELECT order_id, _fivetran_synced FROM dev_bronze.shop.orders "
        "WHERE order_id IN (600, 601, 602)"
    ).collect()
    assert len(orders) == 3
    assert len({row["_fivetran_synced"] for row in orders}) == 1  # the day-1 max, shared


@pytest.mark.parametrize("row", gold_rows(), ids=lambda row: row.destination)
def test_gold_sql_reads_only_known_tables(row: TaskRow) -> None:
    assert row.sql_file_path
    statements = sqlglot.parse((SQL_DIR / row.sql_file_path).read_text(), read="databricks")
    assert len(statements) == 1
    statement = statements[0]
    assert isinstance(statement, exp.Create)
    assert statement.args.get("replace") and statement.kind in ("TABLE", "VIEW")
    created = statement.find(exp.Table)
    assert created is not None
    assert ".".join((created.catalog, created.db, created.name)) == row.destination
    # another gold table too: the order comes from the SQL, and cycles are refused elsewhere
    readable = {r.destination for r in silver_rows()} | {
        r.destination for r in gold_rows() if r.destination != row.destination
    }
    expression = statement.expression
    read = {
        ".".join((table.catalog, table.db, table.name))
        for table in expression.find_all(exp.Table)
        if table.catalog
    }
    assert read, f"{row.sql_file_path} reads no three-level table"
    assert read <= readable, f"{row.sql_file_path} reads {sorted(read - readable)}"
