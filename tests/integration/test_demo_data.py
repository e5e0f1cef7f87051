"""The demo's bronze data fits its metadata rows (tests/unit/demo/test_demo_metadata.py checks the
rows and gold SQL themselves)."""

from __future__ import annotations

from typing import Any

import pytest

from demo_support import BRONZE_DIR, FIVETRAN_COLUMNS, columns_named_by, silver_rows
from medallion_orchestrator.demo.bronze import BronzeTables, write_bronze
from medallion_orchestrator.runtime.lakehouse import Lakehouse

pytestmark = pytest.mark.spark


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
        written = write_bronze(bronze_lakehouse, day, BRONZE_DIR)
        days[day] = {
            name: set(spark.table(bronze_lakehouse.table_of(name)).columns) for name in written
        }
    return days


@pytest.mark.parametrize("day", [1, 2])
def test_bronze_has_every_source_and_column(
    bronze_days: dict[int, dict[str, set[str]]], day: int
) -> None:
    written = bronze_days[day]
    assert list(written) == BronzeTables(BRONZE_DIR).names()
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


def test_tables_of_rows_have_the_types_their_files_declare(
    bronze_lakehouse: Lakehouse, bronze_days: dict[int, dict[str, set[str]]]
) -> None:
    from pyspark.sql.types import DataType

    spark = bronze_lakehouse.spark
    for table in BronzeTables(BRONZE_DIR).files:
        if table.columns:
            written = spark.table(bronze_lakehouse.table_of(f"dev_bronze.{table.key}")).schema
            declared = ", ".join(f"{name} {kind}" for name, kind in table.columns.items())
            expected = [(f.name, f.dataType) for f in DataType.fromDDL(declared).fields]
            assert [(f.name, f.dataType) for f in written.fields[: len(expected)]] == expected
