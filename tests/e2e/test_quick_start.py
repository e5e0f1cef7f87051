"""The README's quick start, one process per command as written, then what the demo's two days
must leave in silver.

`make demo` is `medallion demo`; then the README's `.venv/bin/medallion` lines run in turn, the
last one loading day 2's bronze changes on top. Day 2's changes are the data files'
`day2` picks (metadata/demo_bronze/); CHECKS below say what silver holds after them, all read
in one `medallion sql -f`. Running day 2 again (bronze rewritten the same) must leave
every silver table at the same Delta version.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cli_support import ROOT, medallion
from e2e.readme_support import bash_lines, quiet
from medallion_orchestrator.metadata.files import read_rows

pytestmark = pytest.mark.spark

D1, D2 = "2024-03-01 02:00:", "2024-03-02 02:00:"
SHELL_INPUT = (
    "SELECT count(*) AS current_customers\nFROM dev_silver.shop.customers\nWHERE is_current;\n\\q\n"
)
SILVER = sorted(
    row.destination
    for row in read_rows(ROOT / "metadata" / "demo")
    if row.layer == "bronze_to_silver" and row.is_active_flag
)


def quick_start() -> list[list[str]]:
    """`make demo`, then each `.venv/bin/medallion` line: the arguments of each command."""
    commands = []
    for words in bash_lines("Quick start (Python 3.10+ and Java 17 or 21)"):
        if words[:2] == ["make", "demo"]:
            commands.append(["demo"])
        elif words[0].endswith("bin/medallion"):
            commands.append(words[1:])
    return commands


def results_of(result: subprocess.CompletedProcess[str]) -> list[list[list[str]]]:
    """Each statement's CSV rows (header first), from one `medallion sql --format csv`."""
    assert result.returncode == 0, result.stdout + result.stderr
    return [list(csv.reader(io.StringIO(block))) for block in result.stdout.split("\n\n")]


LAST_GOLD_BUILDS = (
    "SELECT task, status, coalesce(get_json_object(build, '$.reason'), '') "
    "FROM dev_silver.metadata.task_run_log WHERE run_id = (SELECT max_by(run_id, started_at) "
    "FROM dev_silver.metadata.run_log WHERE layer = 'silver_to_gold')"
)


def observed(home: Path, *queries: str) -> dict[str, Any]:
    """One `medallion sql` process: each silver table's Delta version, each gold table's status
    and why it was built in the last silver_to_gold run, then each query's CSV rows."""
    histories = [f"DESCRIBE HISTORY {name} LIMIT 1" for name in SILVER]
    script = "".join(f"{query};\n" for query in (*histories, LAST_GOLD_BUILDS, *queries))
    results = results_of(medallion(home, "sql", script, "--format", "csv", jit="full"))
    versions = {
        name: rows[1][rows[0].index("version")] for name, rows in zip(SILVER, results, strict=False)
    }
    _header, *builds = results[len(SILVER)]
    return {
        "versions": versions,
        "gold": {task: (status, reason) for task, status, reason in builds},
        "results": results[len(SILVER) + 1 :],
    }


# The home is a user's: its server warms up and has the optimizing JIT, which pays over three
# demo runs (cli_support.child_environment).
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("quick_start") / ".medallion"
    steps = []
    for args in quick_start():
        stdin = SHELL_INPUT if args[0] == "shell" else None
        steps.append((args, medallion(home, *args, stdin=stdin, warm_up=True, jit="full")))
    day_two = observed(home)
    again = medallion(home, "demo", "--day", "2", jit="full")
    after_again = observed(home, *(query for query, _ in CHECKS.values()))
    return {
        "steps": steps,
        "again": again,
        "versions": day_two["versions"],
        "versions_again": after_again["versions"],
        "gold_day_two": day_two["gold"],
        "gold_again": after_again["gold"],
        "checks": dict(zip(CHECKS, after_again["results"], strict=True)),
    }


def test_the_quick_start_runs_as_written(demo: dict[str, Any]) -> None:
    steps = {" ".join(args): result for args, result in demo["steps"]}
    assert [args[0] for args, _ in demo["steps"]] == ["demo", "sql", "sql", "shell", "demo", "plan"]
    for args, result in demo["steps"]:
        assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
        quiet(result)
    for name in ("demo", "demo --day 2"):
        assert steps[name].stdout.count("RESULT: SUCCESS") == 2, steps[name].stdout
    timelines = re.findall(r"timeline of run \S+ written to (\S+\.html)", steps["demo"].stdout)
    assert len(timelines) == 2, steps["demo"].stdout  # one a layer, said where
    assert all(Path(page).is_file() for page in timelines)
    assert "customers" in steps["sql SHOW TABLES IN dev_silver.shop"].stdout
    assert "orders" in steps["sql SHOW TABLES IN dev_silver.shop"].stdout
    current = steps["sql SELECT * FROM dev_silver.shop.customers WHERE is_current"].stdout
    assert "customer_id" in current and "is_current" in current
    shell = steps["shell"]
    assert "current_customers" in shell.stdout, shell.stdout
    assert re.search(r"│ 500\s+│", shell.stdout), shell.stdout  # day 1: 500 current customers
    plan = steps["plan --layer silver_to_gold"].stdout
    assert "\nup to date 6\n" in plan, plan  # right after day 2's run, nothing to build


def test_running_day_two_again_changes_no_silver_table(demo: dict[str, Any]) -> None:
    assert demo["again"].returncode == 0, demo["again"].stdout + demo["again"].stderr
    assert demo["versions_again"] == demo["versions"]


def test_day_two_builds_the_changed_gold_sql_and_what_reads_it(demo: dict[str, Any]) -> None:
    builds = demo["gold_day_two"]
    status, reason = builds["dev_gold.retail.store_daily_sales"]
    assert (status, reason) == ("SUCCESS", "sql_changed")
    status, reason = builds["dev_gold.sales.daily_channel_summary"]
    assert status == "SUCCESS" and reason.startswith("inputs_changed: "), reason
    assert "dev_gold.retail.store_daily_sales version " in reason
    assert builds["dev_gold.sales.top_customers"][0] in ("SUCCESS", "UP_TO_DATE")


def test_day_two_again_leaves_every_gold_table_up_to_date(demo: dict[str, Any]) -> None:
    again = demo["gold_again"]
    assert len(again) == len(demo["gold_day_two"]) == 6
    assert set(again.values()) == {("UP_TO_DATE", "up_to_date")}, again
    assert "up to date 6" in demo["again"].stdout


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


def text(value: Any) -> str:
    """A value as `medallion sql --format csv` prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@pytest.mark.parametrize("check", list(CHECKS))
def test_silver_after_day_two(demo: dict[str, Any], check: str) -> None:
    _, expected = CHECKS[check]
    rows = demo["checks"][check][1:]
    assert sorted(rows) == sorted([text(value) for value in row] for row in expected)
