"""Gold rows ordered by what their SQL reads: edges, plans, what validation refuses (no Spark)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import demo_support
from fakes import task_row
from medallion_orchestrator.errors import InvalidMetadata, Problem
from medallion_orchestrator.metadata.gold_dependencies import cross_layer_reads, sql_edges
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.validation import check_rows, validate_rows
from medallion_orchestrator.orchestration import Scheduler, choose_scheduler
from medallion_orchestrator.planning import plan_layer, plan_together
from medallion_orchestrator.project import Environment, Pipeline

PIPELINES = {
    "scd1": Pipeline("scd1", "silver/nb_silver_dim_loader", ("business_key_columns",)),
    "gold_sql": Pipeline("gold_sql", "gold/nb_gold_sql_loader", ("sql_file_path",)),
}
PROD_CATALOGS = {"dev_bronze": "prod_bronze", "dev_silver": "prod_silver", "dev_gold": "prod_gold"}
DEV = Environment("dev", "dev_silver.metadata.execution_table")
PROD = Environment("prod", "prod_silver.metadata.execution_table", catalogs=PROD_CATALOGS)


def gold(name: str, order: int | None = None, **columns: Any) -> TaskRow:
    """An active gold_sql row writing dev_gold.sales.<name> from gold/<name>.sql."""
    values: dict[str, Any] = {
        "src_system": None,
        "src_catalog": None,
        "src_schema": None,
        "src_table_name": None,
        "dst_catalog": "dev_gold",
        "dst_schema": "sales",
        "dst_table_name": name,
        "layer": "silver_to_gold",
        "execution_order": order,
        "execution_pipeline": "gold_sql",
        "business_key_columns": None,
        "sql_file_path": f"gold/{name}.sql",
    }
    return task_row(**{**values, **columns})


def sales(name: str) -> str:
    return f"dev_gold.sales.{name}"


def write(sql_dir: Path, **files: str) -> Path:
    (sql_dir / "gold").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (sql_dir / "gold" / f"{name}.sql").write_text(text, encoding="utf-8")
    return sql_dir


def ctas(name: str, *reads: str) -> str:
    joins = " JOIN ".join(f"{table} USING (id)" for table in reads[1:])
    return f"CREATE OR REPLACE TABLE {sales(name)} AS SELECT * FROM {reads[0]}" + (
        f" JOIN {joins}" if joins else ""
    )


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    """revenue reads silver; summary reads revenue and stores; stores reads silver."""
    return write(
        tmp_path,
        revenue=ctas("revenue", "dev_silver.shop.orders"),
        stores=ctas("stores", "dev_silver.pos.sales"),
        summary=ctas("summary", sales("revenue"), sales("stores")),
    )


def test_gold_on_gold_reads_become_edges_and_orders_are_derived(chain: Path) -> None:
    rows = [gold("summary"), gold("revenue"), gold("stores")]

    assert validate_rows(rows, PIPELINES, chain) == []
    plan = plan_layer("silver_to_gold", rows, PIPELINES, DEV, chain)

    assert [[task.key for task in batch.tasks] for batch in plan.batches] == [
        [sales("revenue"), sales("stores")],
        [sales("summary")],
    ]
    assert {task.key: task.depends_on for task in plan.tasks} == {
        sales("revenue"): (),
        sales("stores"): (),
        sales("summary"): (sales("revenue"), sales("stores")),
    }
    assert choose_scheduler(plan) is Scheduler.DAG
    assert choose_scheduler(plan, "batch") is Scheduler.BATCH  # derived orders keep the edges


def test_explicit_depends_on_and_orders_are_kept_and_combined(chain: Path) -> None:
    write(chain, extra=ctas("extra", "dev_silver.shop.orders"))
    rows = [
        gold("revenue", 1),
        gold("stores", 1),
        gold("summary", 5, depends_on=(sales("stores"), sales("extra"))),
        gold("extra", 2),
    ]

    assert validate_rows(rows, PIPELINES, chain) == []
    plan = plan_layer("silver_to_gold", rows, PIPELINES, DEV, chain)

    summary = next(task for task in plan.tasks if task.key == sales("summary"))
    assert summary.depends_on == (sales("stores"), sales("extra"), sales("revenue"))
    assert summary.execution_order == 5


def test_a_null_order_follows_the_highest_order_it_reads(chain: Path) -> None:
    rows = [gold("revenue", 3), gold("stores"), gold("summary")]

    plan = plan_layer("silver_to_gold", rows, PIPELINES, DEV, chain)

    assert {task.key: task.execution_order for task in plan.tasks} == {
        sales("revenue"): 3,
        sales("stores"): 1,
        sales("summary"): 4,
    }


def test_without_the_sql_folder_the_plan_is_the_rows_alone(chain: Path) -> None:
    plan = plan_layer("silver_to_gold", [gold("revenue", 1), gold("summary", 2)], PIPELINES, DEV)

    assert [task.depends_on for task in plan.tasks] == [None, None]


def test_prod_names_in_a_file_find_the_rows_of_dev_names(tmp_path: Path) -> None:
    sql_dir = write(
        tmp_path,
        revenue="CREATE TABLE prod_gold.sales.revenue AS SELECT * FROM prod_silver.shop.orders",
        summary="CREATE TABLE prod_gold.sales.summary AS SELECT * FROM prod_gold.sales.revenue",
    )
    rows = [gold("revenue"), gold("summary")]

    assert validate_rows(rows, PIPELINES, sql_dir, PROD_CATALOGS) == []
    assert sql_edges(rows, PIPELINES, sql_dir, PROD_CATALOGS) == {
        sales("revenue"): (),
        sales("summary"): (sales("revenue"),),
    }
    summary = plan_layer("silver_to_gold", rows, PIPELINES, PROD, sql_dir).tasks[-1]
    assert summary.depends_on == (sales("revenue"),)
    # without prod's mapping, prod_gold is another catalog: the files write the wrong tables
    assert {problem.row for problem in validate_rows(rows, PIPELINES, sql_dir)} == {
        sales("revenue"),
        sales("summary"),
    }


REFUSED = [
    (
        "a cycle among gold rows",
        {"a": ctas("a", sales("b")), "b": ctas("b", sales("a"))},
        [gold("a"), gold("b")],
        [
            Problem(
                sales("a"),
                "dependency cycle: dev_gold.sales.a -> dev_gold.sales.b -> dev_gold.sales.a "
                "(dev_gold.sales.a reads dev_gold.sales.b; "
                "dev_gold.sales.b reads dev_gold.sales.a)",
            )
        ],
    ),
    (
        "a cycle through an explicit depends_on",
        {"a": ctas("a", sales("b")), "b": ctas("b", "dev_silver.s.x")},
        [gold("a"), gold("b", depends_on=(sales("a"),))],
        [
            Problem(
                sales("a"),
                "dependency cycle: dev_gold.sales.a -> dev_gold.sales.b -> dev_gold.sales.a "
                "(dev_gold.sales.a reads dev_gold.sales.b; dev_gold.sales.b depends_on "
                "dev_gold.sales.a)",
            )
        ],
    ),
    (
        "a read of a gold table that has no active row",
        {"a": ctas("a", sales("gone"), "dev_silver.s.x", "dev_gold.other.y")},
        [gold("a")],
        [
            Problem(
                sales("a"),
                "gold/a.sql reads dev_gold.sales.gone, which no active row of layer silver_to_gold "
                "writes (rows of this layer write dev_gold.sales: give the table its row, "
                "or activate it)",
            )
        ],
    ),
    (
        "an inactive upstream row",
        {"a": ctas("a", sales("b")), "b": ctas("b", "dev_silver.s.x")},
        [gold("a"), gold("b", is_active_flag=False)],
        [
            Problem(
                sales("a"),
                "gold/a.sql reads dev_gold.sales.b, which no active row of layer silver_to_gold "
                "writes (rows of this layer write dev_gold.sales: give the table its row, "
                "or activate it)",
            )
        ],
    ),
    (
        "a file whose CREATE target is not the row's destination",
        {"a": ctas("typo", "dev_silver.s.x")},
        [gold("a")],
        [
            Problem(
                sales("a"),
                "gold/a.sql writes dev_gold.sales.typo, not this row's destination "
                "dev_gold.sales.a",
            )
        ],
    ),
    (
        "a file that writes no table",
        {"a": "SELECT * FROM dev_silver.s.x"},
        [gold("a")],
        [
            Problem(
                sales("a"),
                "gold/a.sql does not write dev_gold.sales.a: it must CREATE "
                "(or INSERT INTO, MERGE INTO) it",
            )
        ],
    ),
    (
        "two files writing one table",
        {
            "a": ctas("a", "dev_silver.s.x"),
            "b": ctas("b", "dev_silver.s.x") + ";\n" + ctas("a", "dev_silver.s.y"),
        },
        [gold("a"), gold("b")],
        [
            Problem(
                sales("b"),
                "gold/b.sql writes dev_gold.sales.a, which gold/a.sql (row dev_gold.sales.a) "
                "writes too: one table, one file",
            )
        ],
    ),
    (
        "two rows running one file",
        {"a": ctas("a", "dev_silver.s.x")},
        [gold("a"), gold("b", sql_file_path="gold/a.sql")],
        [
            Problem(
                sales("b"),
                "gold/a.sql writes dev_gold.sales.a, not this row's destination dev_gold.sales.b "
                "(the file of row dev_gold.sales.a too)",
            )
        ],
    ),
    (
        "an unparsable file",
        {"a": "-- a\nCREATE TABLE dev_gold.sales.a AS\nSELECT id, FROM WHERE"},
        [gold("a")],
        [
            Problem(
                sales("a"),
                "gold/a.sql cannot be parsed: statement 1 (line 3): "
                "Expected table name but got 'WHERE'",
            )
        ],
    ),
    (
        "a name without a catalog",
        {"a": ctas("a", "shop.orders")},
        [gold("a")],
        [
            Problem(
                sales("a"),
                "gold/a.sql names shop.orders without a catalog: write catalog.schema.table, "
                "so the environment's catalog mapping applies and its row can be found",
            )
        ],
    ),
    (
        "hand-set orders against what the SQL reads",
        {"a": ctas("a", sales("b")), "b": ctas("b", "dev_silver.s.x")},
        [gold("a", 1), gold("b", 2)],
        [
            Problem(
                sales("a"),
                "gold/a.sql reads dev_gold.sales.b of execution_order 2, later than this row's 1",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("files", "rows", "expected"), [case[1:] for case in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_refused_before_anything_runs(
    files: dict[str, str], rows: list[TaskRow], expected: list[Problem], tmp_path: Path
) -> None:
    sql_dir = write(tmp_path, **files)

    assert validate_rows(rows, PIPELINES, sql_dir) == expected
    with pytest.raises(InvalidMetadata):
        check_rows(rows, PIPELINES, sql_dir)


def test_a_gold_table_read_by_another_layer_schema_is_an_input(tmp_path: Path) -> None:
    """Tables of schemas this layer does not write (silver, another gold schema) are inputs."""
    sql_dir = write(tmp_path, a=ctas("a", "dev_silver.shop.orders", "dev_gold.finance.fx"))

    assert validate_rows([gold("a")], PIPELINES, sql_dir) == []


def test_a_null_order_is_still_refused_on_a_row_without_sql(tmp_path: Path) -> None:
    problems = validate_rows([task_row(execution_order=None)], PIPELINES, tmp_path)

    assert [problem.message for problem in problems] == [
        "execution_order is NULL (only a gold_sql row, ordered by its SQL, may omit it)"
    ]


def active_demo_rows(**gold_columns: Any) -> list[TaskRow]:
    """The demo's active rows, its gold rows with `gold_columns` in place of theirs."""
    return [
        TaskRow.from_mapping({**row.to_dict(), **gold_columns})
        if row.layer == "silver_to_gold"
        else row
        for row in demo_support.demo_rows()
        if row.is_active_flag
    ]


@pytest.mark.parametrize("catalogs", [{}, PROD_CATALOGS], ids=["dev", "prod"])
@pytest.mark.parametrize("gold_columns", [{}, {"execution_order": None}], ids=["given", "NULL"])
def test_the_demo_rows_and_gold_files_validate_and_order_themselves(
    catalogs: dict[str, str], gold_columns: dict[str, Any]
) -> None:
    rows, pipelines, sql_dir = (
        active_demo_rows(**gold_columns),
        demo_support.pipelines(),
        demo_support.SQL_DIR,
    )

    assert validate_rows(rows, pipelines, sql_dir, catalogs) == []
    gold_rows = [row for row in rows if row.layer == "silver_to_gold"]
    environment = Environment("e", "x.y.z", catalogs=catalogs)
    plan = plan_layer("silver_to_gold", gold_rows, pipelines, environment, sql_dir)

    assert {task.key: (task.execution_order, task.depends_on) for task in plan.tasks} == {
        "dev_gold.sales.daily_revenue": (1, ()),
        "dev_gold.sales.customer_lifetime_value": (1, ()),
        "dev_gold.supply.inventory_health": (1, ()),
        "dev_gold.retail.store_daily_sales": (1, ()),
        "dev_gold.sales.daily_channel_summary": (
            2,
            ("dev_gold.sales.daily_revenue", "dev_gold.retail.store_daily_sales"),
        ),
        "dev_gold.sales.top_customers": (2, ("dev_gold.sales.customer_lifetime_value",)),
    }


def test_layers_run_together_wait_for_what_each_row_reads_of_the_other_layers(
    tmp_path: Path,
) -> None:
    """Gold waits for the silver tables its file reads; silver for its source; never for its
    own layer's tables here (the layer's own plan orders those)."""
    sql_dir = write(
        tmp_path,
        revenue=ctas("revenue", "prod_silver.shop.orders", "dev_silver.shop.customers"),
        summary=ctas("summary", sales("revenue"), "dev_bronze.shop.raw"),
    )
    customers = task_row()
    orders = task_row(src_table_name="orders", dst_table_name="orders")
    events = task_row(
        src_catalog="dev_gold",
        src_schema="sales",
        src_table_name="summary",
        dst_table_name="events",
    )
    rows = [customers, orders, events, gold("revenue"), gold("summary")]

    reads = cross_layer_reads(rows, PIPELINES, sql_dir, PROD_CATALOGS)

    assert reads == {
        customers.destination: (),
        orders.destination: (),
        events.destination: (sales("summary"),),
        sales("revenue"): (orders.destination, customers.destination),
        sales("summary"): (),
    }


def test_plans_run_together_keep_their_layers_order_and_add_the_reads() -> None:
    silver = plan_layer(
        "bronze_to_silver",
        [
            task_row(),
            task_row(dst_table_name="orders", src_table_name="orders", execution_order=2),
        ],
        PIPELINES,
        DEV,
    )
    revenue, orders = sales("revenue"), "dev_silver.shop.orders"
    gold_plan = plan_layer("silver_to_gold", [gold("revenue", 1)], PIPELINES, DEV)

    together = plan_together([silver, gold_plan], {revenue: (orders,)})

    assert together.layer == "bronze_to_silver+silver_to_gold"
    assert {task.key: task.depends_on for task in together.tasks} == {
        "dev_silver.shop.customers": (),
        orders: ("dev_silver.shop.customers",),
        revenue: (orders,),
    }
