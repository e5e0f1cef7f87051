"""The demo through the real loaders: day 1, then day 2's changes, then day 2 again.

What day 2 changes is documented in medallion_orchestrator/demo/bronze.py; each case below
checks one documented key in silver after day 2. Running day 2 again (bronze rewritten the
same) must leave every silver table at the same Delta version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from medallion_orchestrator.application import Application
from medallion_orchestrator.demo.bronze import write_bronze
from medallion_orchestrator.metadata.files import read_rows
from medallion_orchestrator.orchestration import run_layer

pytestmark = pytest.mark.spark

LAYER = "bronze_to_silver"
D1, D2 = "2024-03-01 02:00:", "2024-03-02 02:00:"


@pytest.fixture(scope="module")
def demo(spark, lakehouse_home: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    app = Application(
        home=lakehouse_home, metadata_table_override="dev_silver.demo_days_meta.execution_table"
    ).replace(spark=spark)
    app.repository.init()
    rows = read_rows(app.layout.root / "metadata" / "demo")
    app.repository.upsert(rows)
    runs = {}
    for day in (1, 2):
        write_bronze(app.lakehouse, day)
        runs[day] = run_layer(app, LAYER)
    silver = [row.destination for row in rows if row.layer == LAYER and row.is_active_flag]
    versions = {name: _version(app, name) for name in silver}
    write_bronze(app.lakehouse, 2)
    again = run_layer(app, LAYER)
    return {
        "app": app,
        "runs": runs,
        "again": again,
        "versions": versions,
        "versions_again": {name: _version(app, name) for name in silver},
    }


def _version(app: Application, name: str) -> int:
    table = app.lakehouse.table_of(name)
    return int(app.spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()["version"])


def test_both_days_load_every_table(demo: dict[str, Any]) -> None:
    for run in (*demo["runs"].values(), demo["again"]):
        assert run.succeeded, [(r.key, r.message) for r in run.not_succeeded]


def test_running_day_two_again_changes_no_silver_table(demo: dict[str, Any]) -> None:
    assert demo["versions_again"] == demo["versions"]


# (query over silver after day 2, expected rows)
CHECKS: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
    "customers_counts": (
        "SELECT count(*), count_if(is_current), count(DISTINCT customer_id) "
        "FROM dev_silver.shop.customers",
        [(508, 504, 505)],
    ),
    "customer_7_email_to_null_once_despite_the_duplicate": (
        "SELECT email IS NULL, string(effective_from), string(effective_to) "
        "FROM dev_silver.shop.customers WHERE customer_id = 7 ORDER BY effective_from",
        [(False, f"{D1}07", f"{D2}07"), (True, f"{D2}07", None)],
    ),
    "customer_9_null_phone_to_value": (
        "SELECT phone, is_current FROM dev_silver.shop.customers WHERE customer_id = 9 "
        "ORDER BY effective_from",
        [(None, False), ("+1-555-0009", True)],
    ),
    "customer_3_untracked_change_in_place": (
        "SELECT loyalty_points, string(last_login_at), string(effective_from), is_current "
        "FROM dev_silver.shop.customers WHERE customer_id = 3",
        [(4321, "2024-03-01 18:45:00", f"{D1}03", True)],
    ),
    "customer_5_deleted_closes_its_version": (
        "SELECT string(effective_to), is_current FROM dev_silver.shop.customers "
        "WHERE customer_id = 5",
        [(f"{D2}05", False)],
    ),
    # A late event is slotted into SCD2 history (the semantics): it becomes the
    # version before the current one, which it does not change.
    "customer_12_late_event_slotted_before_its_version": (
        "SELECT city = 'Springfield', string(effective_from), string(effective_to) "
        "FROM dev_silver.shop.customers WHERE customer_id = 12 ORDER BY effective_from",
        [(True, "2024-02-28 09:00:00", f"{D1}12"), (False, f"{D1}12", None)],
    ),
    "products": (
        "SELECT product_id, count(*), count_if(is_current), max_by(CASE product_id "
        "WHEN 4 THEN string(list_price) WHEN 10 THEN description END, effective_from) "
        "FROM dev_silver.shop.products WHERE product_id IN (4, 10, 15, 201) GROUP BY product_id",
        [
            (4, 2, 1, "139.99"),
            (10, 1, 1, "Now with a two-year warranty"),
            (15, 1, 0, None),
            (201, 1, 1, None),
        ],
    ),
    "categories_scd1": (
        "SELECT category_id, category_name FROM dev_silver.shop.categories "
        "WHERE category_id IN (7, 9, 13)",
        [(7, "Kitchen & Dining"), (9, "Camping"), (13, "Gaming")],
    ),
    "promotions_scd1": (
        "SELECT count(*), count_if(promotion_code = 'WINTER15'), "
        "string(max(IF(promotion_code = 'SPRING10', ends_on, NULL))) "
        "FROM dev_silver.shop.promotions",
        [(7, 0, "2024-03-31")],
    ),
    "warehouse_5": (
        "SELECT capacity_units FROM dev_silver.erp.warehouses WHERE warehouse_id = 5",
        [(50000,)],
    ),
    "suppliers": (
        "SELECT supplier_id, count(*), max_by(CASE supplier_id WHEN 2 THEN contact_email "
        "ELSE country_code END, effective_from) FROM dev_silver.erp.suppliers "
        "WHERE supplier_id IN (2, 6) GROUP BY supplier_id",
        [(2, 1, "sales@supplier2.example.com"), (6, 2, "VN")],
    ),
    "employees": (
        "SELECT employee_id, count(*), count_if(is_current), max_by(CASE employee_id "
        "WHEN 40 THEN job_title WHEN 41 THEN phone_number END, effective_from) "
        "FROM dev_silver.erp.employees WHERE employee_id IN (30, 40, 41) GROUP BY employee_id",
        [(30, 1, 0, None), (40, 2, 1, "Shift Lead"), (41, 1, 1, "+1-555-9041")],
    ),
    "store_3": (
        "SELECT count(*), max_by(manager_employee_id, effective_from) "
        "FROM dev_silver.pos.stores WHERE store_id = 3",
        [(2, 50)],
    ),
    "terminals_scd1_composite_key": (
        "SELECT terminal_number, status FROM dev_silver.pos.terminals WHERE store_id = 2",
        [(1, "retired"), (2, "active"), (3, "active")],
    ),
    "orders_incremental": (
        "SELECT count(*), count_if(order_id IN (601, 602)), count_if(order_id = 43), "
        "max(IF(order_id = 42, status, NULL)), max(IF(order_id = 547, status, NULL)) "
        "FROM dev_silver.shop.orders",
        [(649, 2, 0, "shipped", "delivered")],
    ),
    "order_lines_incremental": (
        "SELECT count(*), count_if(order_id = 43) FROM dev_silver.shop.order_lines",
        [(1299, 0)],
    ),
    "payments_incremental": (
        "SELECT count(*), max(IF(order_id = 42, payment_status, NULL)) "
        "FROM dev_silver.shop.payments",
        [(649, "captured")],
    ),
    "pos_sales_at_the_watermark_kept": (
        "SELECT count(*), count_if(transaction_id IN (2001, 2002)) FROM dev_silver.pos.pos_sales",
        [(2060, 2)],
    ),
    "full_extracts_replaced": (
        "SELECT (SELECT count(*) FROM dev_silver.erp.inventory_snapshots), "
        "(SELECT string(max(snapshot_date)) FROM dev_silver.erp.inventory_snapshots), "
        "(SELECT count(*) FROM dev_silver.erp.purchase_orders)",
        [(1000, "2024-03-02", 160)],
    ),
}


@pytest.mark.parametrize("check", list(CHECKS))
def test_silver_after_day_two(demo: dict[str, Any], check: str) -> None:
    query, expected = CHECKS[check]
    rows = demo["app"].lakehouse.sql(query).collect()
    assert sorted(map(tuple, rows), key=str) == sorted(expected, key=str)
