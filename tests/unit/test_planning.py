"""Planning: the active rows of a layer as batches by ascending execution_order."""

from __future__ import annotations

import pytest

from fakes import task_row
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.planning import plan_layer, task_for
from medallion_orchestrator.project import Environment, Pipeline

PIPELINES = {
    "scd1": Pipeline("scd1", "silver/nb_silver_dim_loader", ("business_key_columns",)),
    "fact_overwrite": Pipeline("fact_overwrite", "silver/nb_silver_fact_loader"),
}
DEV = Environment("dev", "dev_silver.metadata.execution_table", default_timeout_seconds=7200)


def row(table: str, order: int, pipeline: str = "scd1", **columns: object) -> TaskRow:
    return task_row(
        dst_table_name=table,
        src_table_name=table,
        execution_order=order,
        execution_pipeline=pipeline,
        **columns,
    )


def test_batches_by_ascending_execution_order_with_gaps() -> None:
    rows = [
        row("order_lines", 10, "fact_overwrite"),
        row("customers", 1),
        row("orders", 3, "fact_overwrite"),
        row("accounts", 1),
        row("payments", 3, "fact_overwrite"),
    ]

    plan = plan_layer("bronze_to_silver", rows, PIPELINES, DEV)

    assert [batch.execution_order for batch in plan.batches] == [
        1,
        3,
        10,
    ]  # numeric, not "10" < "3"
    assert [[task.key for task in batch.tasks] for batch in plan.batches] == [
        ["dev_silver.shop.accounts", "dev_silver.shop.customers"],
        ["dev_silver.shop.orders", "dev_silver.shop.payments"],
        ["dev_silver.shop.order_lines"],
    ]
    assert [task.key for task in plan.tasks] == [
        task.key for batch in plan.batches for task in batch.tasks
    ]
    assert plan.layer == "bronze_to_silver"


def test_order_zero_comes_first() -> None:
    plan = plan_layer("l", [row("b", 2), row("a", 0)], PIPELINES, DEV)

    assert [batch.execution_order for batch in plan.batches] == [0, 2]


def test_no_rows_is_an_empty_plan() -> None:
    plan = plan_layer("silver_to_gold", [], PIPELINES, DEV)

    assert plan.batches == ()
    assert plan.tasks == []
    assert plan.describe() == "layer silver_to_gold: 0 task(s) in 0 batch(es)"


@pytest.mark.parametrize(
    ("timeout_seconds", "expected"),
    [(None, 7200), (600, 600), (86_400, 86_400)],
)
def test_timeout_is_the_rows_else_the_environments_default(
    timeout_seconds: int | None, expected: int
) -> None:
    task = task_for(row("customers", 1, timeout_seconds=timeout_seconds), PIPELINES, DEV)

    assert task.timeout_seconds == expected


def test_the_environment_default_timeout_is_used() -> None:
    short = Environment("ci", "x.y.z", default_timeout_seconds=90)

    assert task_for(row("customers", 1), PIPELINES, short).timeout_seconds == 90


def test_a_task_carries_its_notebook_the_row_json_and_the_environment() -> None:
    source = row("orders", 2, "fact_overwrite", cdc_source_config='{"exclude_columns": ["_raw"]}')

    task = task_for(source, PIPELINES, DEV)

    assert task.key == "dev_silver.shop.orders"
    assert task.notebook == "silver/nb_silver_fact_loader"
    assert task.execution_order == 2
    assert dict(task.arguments) == {"task": source.to_json(), "environment": "dev"}
    assert TaskRow.from_json(task.arguments["task"]) == source
    assert all(isinstance(value, str) for value in task.arguments.values())


def test_describe() -> None:
    rows = [row("orders", 3, "fact_overwrite"), row("customers", 1), row("accounts", 1)]

    text = plan_layer("bronze_to_silver", rows, PIPELINES, DEV).describe()

    assert text == (
        "layer bronze_to_silver: 3 task(s) in 2 batch(es)\n"
        "batch 1 (execution_order 1):\n"
        "  dev_silver.shop.accounts -> silver/nb_silver_dim_loader\n"
        "  dev_silver.shop.customers -> silver/nb_silver_dim_loader\n"
        "batch 2 (execution_order 3):\n"
        "  dev_silver.shop.orders -> silver/nb_silver_fact_loader"
    )


def test_a_task_carries_depends_on_without_duplicates_and_none_when_absent() -> None:
    waits = row("orders", 2, "fact_overwrite", depends_on=("a.b.c", "a.b.d", "a.b.c"))

    assert task_for(waits, PIPELINES, DEV).depends_on == ("a.b.c", "a.b.d")
    assert task_for(row("customers", 1), PIPELINES, DEV).depends_on is None
    assert task_for(row("customers", 1, depends_on=()), PIPELINES, DEV).depends_on == ()


def test_describe_shows_what_a_task_with_depends_on_waits_for() -> None:
    rows = [
        row("customers", 1),
        row("orders", 2, "fact_overwrite", depends_on=("dev_silver.shop.customers",)),
        row("rates", 2, "fact_overwrite", depends_on=()),
    ]

    text = plan_layer("bronze_to_silver", rows, PIPELINES, DEV).describe()

    assert text.splitlines()[-2:] == [
        "  dev_silver.shop.orders -> silver/nb_silver_fact_loader"
        " (after: dev_silver.shop.customers)",
        "  dev_silver.shop.rates -> silver/nb_silver_fact_loader (after: nothing)",
    ]
