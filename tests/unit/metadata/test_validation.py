"""Every rule of metadata validation, one row each, and many problems reported at once."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from fakes import task_row
from medallion_orchestrator.errors import InvalidMetadata, Problem
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.validation import (
    check_rows,
    check_upsert,
    is_safe_identifier,
    rows_after_upsert,
    validate_rows,
)
from medallion_orchestrator.project import Pipeline

PIPELINES = {
    "scd1": Pipeline("scd1", "silver/nb_silver_dim_loader", ("business_key_columns",)),
    "scd2": Pipeline("scd2", "silver/nb_silver_dim_loader", ("business_key_columns",)),
    **{
        name: Pipeline(name, "silver/nb_silver_dim_loader", ("business_key_columns",))
        for name in ("scd1_snapshot", "scd2_snapshot")
    },
    "fact_overwrite": Pipeline("fact_overwrite", "silver/nb_silver_fact_loader"),
    "fact_replace_where": Pipeline("fact_replace_where", "silver/nb_silver_fact_loader"),
    "fact_incremental_merge": Pipeline(
        "fact_incremental_merge",
        "silver/nb_silver_fact_incremental_loader",
        ("primary_key_columns",),
    ),
    "gold_sql": Pipeline("gold_sql", "gold/nb_gold_sql_loader", ("sql_file_path",)),
}
DESTINATION = "dev_silver.shop.customers"


def gold_row(sql_file_path: str | None, **columns: Any) -> TaskRow:
    return task_row(
        **{
            "src_system": None,
            "src_catalog": None,
            "src_schema": None,
            "src_table_name": None,
            "dst_catalog": "dev_gold",
            "dst_schema": "mart",
            "dst_table_name": "daily_sales",
            "layer": "silver_to_gold",
            "execution_pipeline": "gold_sql",
            "business_key_columns": None,
            "sql_file_path": sql_file_path,
            **columns,
        }
    )


def cdc(**config: Any) -> str:
    return json.dumps(config)


def only_problem(rows: list[TaskRow], sql_dir: Path) -> Problem:
    problems = validate_rows(rows, PIPELINES, sql_dir)
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.parametrize(
    ("columns", "destination", "fragment"),
    [
        (
            {"execution_pipeline": "scd3"},
            DESTINATION,
            "unknown execution_pipeline 'scd3' "
            "(known: fact_incremental_merge, fact_overwrite, fact_replace_where, gold_sql, scd1, "
            "scd1_snapshot, scd2, scd2_snapshot)",
        ),
        ({"execution_pipeline": None}, DESTINATION, "unknown execution_pipeline None"),
        ({"execution_order": None}, DESTINATION, "execution_order is NULL"),
        ({"execution_order": -1}, DESTINATION, "execution_order must be >= 0, got -1"),
        ({"timeout_seconds": 0}, DESTINATION, "timeout_seconds must be positive, got 0"),
        (
            {"business_key_columns": None},
            DESTINATION,
            "business_key_columns is required by execution_pipeline 'scd1'",
        ),
        (
            {"execution_pipeline": "scd2", "business_key_columns": ()},
            DESTINATION,
            "business_key_columns is required by execution_pipeline 'scd2'",
        ),
        (
            {"execution_pipeline": "fact_incremental_merge", "business_key_columns": None},
            DESTINATION,
            "primary_key_columns is required by execution_pipeline 'fact_incremental_merge'",
        ),
        (
            {"cdc_source_config": '{"sequence_column": '},
            DESTINATION,
            "cdc_source_config is not valid JSON",
        ),
        (
            {"cdc_source_config": cdc(sequence_col="seq")},
            DESTINATION,
            "cdc_source_config has unknown key(s) sequence_col",
        ),
        (
            {"cdc_source_config": cdc(full_extract="yes")},
            DESTINATION,
            "cdc_source_config.full_extract must be true or false",
        ),
        (
            {
                "cdc_source_config": cdc(
                    track_history_columns=["a"], track_history_except_columns=[]
                )
            },
            DESTINATION,
            "track_history_columns and track_history_except_columns cannot be used together",
        ),
        (
            {
                "cdc_source_config": cdc(
                    track_history_column_list=["a"], track_history_except_columns=[]
                )
            },
            DESTINATION,
            "track_history_column_list and track_history_except_columns cannot be used together",
        ),
        (
            {
                "cdc_source_config": cdc(
                    ignore_null_updates=True, ignore_null_updates_column_list=["a"]
                )
            },
            DESTINATION,
            "ignore_null_updates and ignore_null_updates_column_list cannot be used together",
        ),
        (
            {
                "cdc_source_config": cdc(
                    ignore_null_updates_columns=["a"], ignore_null_updates_except_columns=["b"]
                )
            },
            DESTINATION,
            "ignore_null_updates_columns and ignore_null_updates_except_columns cannot be used",
        ),
        (
            {"cdc_source_config": cdc(column_list=["a"], exclude_columns=["b"])},
            DESTINATION,
            "cdc_source_config: column_list and exclude_columns cannot be used together",
        ),
        (
            {"cdc_source_config": cdc(include_columns=["a"], except_column_list=["b"])},
            DESTINATION,
            "cdc_source_config: include_columns and except_column_list cannot be used together",
        ),
        (
            {"cdc_source_config": cdc(sequence_by="a", sequence_column="a")},
            DESTINATION,
            "sequence_by and sequence_column name the same option",
        ),
        (
            {"cdc_source_config": cdc(watermark_column="ts", column_list=["a"])},
            DESTINATION,
            "watermark_column 'ts' must be in column_list",
        ),
        (
            {"cdc_source_config": cdc(ignore_null_updates_column_list=["customer_id"])},
            DESTINATION,
            "ignore_null_updates_column_list names key column(s) customer_id",
        ),
        (
            {
                "execution_pipeline": "scd2",
                "cdc_source_config": cdc(sequence_by="s", apply_as_truncates="t"),
            },
            DESTINATION,
            "cdc_source_config.apply_as_truncates applies to execution_pipeline scd1 only",
        ),
        (
            {"cdc_source_config": cdc(apply_as_truncates="op = 'T'")},
            DESTINATION,
            "cdc_source_config.apply_as_truncates needs sequence_by",
        ),
        (
            {"cdc_source_config": cdc(sequence_by="seq", apply_as_truncates="op = ")},
            DESTINATION,
            "cdc_source_config.apply_as_truncates is not valid SQL",
        ),
        (
            {
                "execution_pipeline": "scd2",
                "cdc_source_config": cdc(history_columns="auto_cdc", is_current_column="cur"),
            },
            DESTINATION,
            'cdc_source_config: history_columns "auto_cdc" names the SCD2 columns; '
            "is_current_column cannot be given with it",
        ),
        (
            {"cdc_source_config": cdc(column_mapping={"a b": "x", "a.b": "x"})},
            DESTINATION,
            "cdc_source_config.column_mapping maps a b and a.b to x; give each its own name",
        ),
        (
            {"cdc_source_config": cdc(column_mapping={"a b": "c", "c": "d"})},
            DESTINATION,
            "cdc_source_config.column_mapping maps 'a b' to 'c', which the source already has",
        ),
        (
            {"cdc_source_config": cdc(column_mapping={"a`b": "ab"})},
            DESTINATION,
            "cdc_source_config.column_mapping: source column 'a`b' has a backtick",
        ),
        (
            {"cdc_source_config": cdc(table_properties={"quality level": "silver"})},
            DESTINATION,
            "cdc_source_config.table_properties has unsafe property name 'quality level'",
        ),
        (
            {"cdc_source_config": cdc(table_properties={"owner": "sales"})},
            DESTINATION,
            "cdc_source_config.table_properties: owner is a reserved table property",
        ),
        (
            {"cdc_source_config": cdc(table_properties={"comment": "x"})},
            DESTINATION,
            "cdc_source_config.table_properties: give the table's comment as comment",
        ),
        (
            {"cdc_source_config": cdc(snapshot_version_column="taken_on")},
            DESTINATION,
            "cdc_source_config.snapshot_version_column applies to execution_pipeline "
            "scd1_snapshot and scd2_snapshot only, not 'scd1'",
        ),
        (
            {
                "execution_pipeline": "scd2_snapshot",
                "cdc_source_config": cdc(sequence_by="seq", apply_as_deletes="op = 'D'"),
            },
            DESTINATION,
            "cdc_source_config: sequence_by, apply_as_deletes cannot be used with "
            "execution_pipeline 'scd2_snapshot': a snapshot's missing keys are its deletes and "
            "its version orders it",
        ),
        (
            {
                "execution_pipeline": "scd1_snapshot",
                "cdc_source_config": cdc(full_extract=True, ignore_null_updates=True),
            },
            DESTINATION,
            "cdc_source_config: full_extract, ignore_null_updates cannot be used with "
            "execution_pipeline 'scd1_snapshot'",
        ),
        (
            {
                "execution_pipeline": "scd1_snapshot",
                "cdc_source_config": cdc(snapshot_version_column="customer_id"),
            },
            DESTINATION,
            "cdc_source_config.snapshot_version_column 'customer_id' is a key column: a "
            "snapshot's version cannot identify its rows",
        ),
        (
            {
                "execution_pipeline": "scd2_snapshot",
                "cdc_source_config": cdc(snapshot_version_column="taken on"),
            },
            DESTINATION,
            "cdc_source_config names unsafe column 'taken on'",
        ),
        (
            {"execution_pipeline": "scd1_snapshot", "business_key_columns": None},
            DESTINATION,
            "business_key_columns is required by execution_pipeline 'scd1_snapshot'",
        ),
        (
            {
                "execution_pipeline": "scd2",
                "cdc_source_config": cdc(tombstone_retention_seconds=60),
            },
            DESTINATION,
            "cdc_source_config.tombstone_retention_seconds applies to execution_pipeline scd1 "
            "only, not 'scd2'",
        ),
        (
            {"cdc_source_config": cdc(**{"pipelines.cdc.tombstoneGCThresholdInSeconds": 60})},
            DESTINATION,
            "cdc_source_config.pipelines.cdc.tombstoneGCThresholdInSeconds needs sequence_by (or "
            "sequence_column) and apply_as_deletes (or delete_condition): tombstones keep "
            "deletes in sequence",
        ),
        ({"dst_schema": None}, "dev_silver.?.customers", "dst_schema is missing"),
        ({"src_table_name": ""}, DESTINATION, "src_table_name is missing"),
    ],
)
def test_one_rule_one_problem(
    columns: dict[str, Any], destination: str, fragment: str, tmp_path: Path
) -> None:
    problem = only_problem([task_row(**columns)], tmp_path)

    assert problem.row == destination
    assert fragment in problem.message


@pytest.mark.parametrize(
    ("columns", "destination", "fragment"),
    [
        (
            {"dst_table_name": "my table"},
            "dev_silver.shop.my table",
            "dst_table_name 'my table' is not a safe identifier",
        ),
        (
            {"dst_table_name": "t;DROP TABLE x"},
            "dev_silver.shop.t;DROP TABLE x",
            "dst_table_name 't;DROP TABLE x' is not a safe identifier",
        ),
        (
            {"dst_table_name": "cust`omers"},
            "dev_silver.shop.cust`omers",
            "dst_table_name 'cust`omers' is not a safe identifier",
        ),
        (
            {"dst_table_name": "shop.customers"},
            "dev_silver.shop.shop.customers",
            "dst_table_name 'shop.customers' is not a safe identifier",
        ),
        (
            {"dst_catalog": "dev-silver"},
            "dev-silver.shop.customers",
            "dst_catalog 'dev-silver' is not a safe identifier",
        ),
        ({"src_schema": "sh op"}, DESTINATION, "src_schema 'sh op' is not a safe identifier"),
        (
            {"business_key_columns": ("customer_id", "id; DROP")},
            DESTINATION,
            "business_key_columns has unsafe column name 'id; DROP'",
        ),
        (
            {"primary_key_columns": ("`id`",)},
            DESTINATION,
            "primary_key_columns has unsafe column name '`id`'",
        ),
        (
            {"cdc_source_config": cdc(sequence_column="seq; DROP")},
            DESTINATION,
            "cdc_source_config names unsafe column 'seq; DROP'",
        ),
        (
            {"cdc_source_config": cdc(exclude_columns=["ok", "not ok"])},
            DESTINATION,
            "cdc_source_config names unsafe column 'not ok'",
        ),
        (
            {"cdc_source_config": cdc(cluster_by=["id; DROP"])},
            DESTINATION,
            "cdc_source_config names unsafe column 'id; DROP'",
        ),
        (
            {"cdc_source_config": cdc(column_mapping={"a b": "not ok"})},
            DESTINATION,
            "cdc_source_config names unsafe column 'not ok'",
        ),
    ],
)
def test_unsafe_identifiers(
    columns: dict[str, Any], destination: str, fragment: str, tmp_path: Path
) -> None:
    problem = only_problem([task_row(**columns)], tmp_path)

    assert problem.row == destination
    assert fragment in problem.message


@pytest.mark.parametrize("name", ["customers", "Dim_Customer_2", "_fivetran_synced", "9lives"])
def test_safe_identifiers(name: str) -> None:
    assert is_safe_identifier(name)


@pytest.mark.parametrize("name", [None, "", "a b", "a.b", "a;b", "a`b", "a-b", "a'b", "é"])
def test_unsafe_identifier_examples(name: str | None) -> None:
    assert not is_safe_identifier(name)


@pytest.mark.parametrize("name", ["customers\n", "id\n"])
def test_a_trailing_newline_is_not_a_safe_identifier(name: str) -> None:
    assert not is_safe_identifier(name)


@pytest.fixture
def sql_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "sql"
    (folder / "mart").mkdir(parents=True)
    (folder / "mart" / "daily_sales.sql").write_text(
        "CREATE OR REPLACE TABLE dev_gold.mart.daily_sales AS SELECT 1", encoding="utf-8"
    )
    return folder


def test_a_gold_row_with_its_sql_file_has_no_problem(sql_dir: Path) -> None:
    assert validate_rows([gold_row("mart/daily_sales.sql")], PIPELINES, sql_dir) == []


@pytest.mark.parametrize(
    ("sql_file_path", "fragment"),
    [
        (None, "sql_file_path is missing"),
        ("", "sql_file_path is missing"),
        ("../x.sql", "sql_file_path '../x.sql' leaves the SQL folder"),
        ("mart/../../x.sql", "sql_file_path 'mart/../../x.sql' leaves the SQL folder"),
        ("/etc/passwd", "sql_file_path '/etc/passwd' leaves the SQL folder"),
        ("mart/missing.sql", "sql_file_path 'mart/missing.sql' does not exist under"),
        ("mart", "sql_file_path 'mart' does not exist under"),  # a folder is not a file
    ],
)
def test_sql_file_path_problems(sql_file_path: str | None, fragment: str, sql_dir: Path) -> None:
    problem = only_problem([gold_row(sql_file_path)], sql_dir)

    assert problem.row == "dev_gold.mart.daily_sales"
    assert fragment in problem.message


def test_an_absolute_path_inside_the_sql_folder_is_still_refused(sql_dir: Path) -> None:
    path = str(sql_dir / "mart" / "daily_sales.sql")

    problem = only_problem([gold_row(path)], sql_dir)

    assert "leaves the SQL folder" in problem.message


def test_a_symlink_that_points_outside_the_sql_folder_is_refused(
    sql_dir: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "outside.sql"
    secret.write_text("DROP TABLE everything", encoding="utf-8")
    (sql_dir / "mart" / "innocent.sql").symlink_to(secret)

    problem = only_problem([gold_row("mart/innocent.sql")], sql_dir)

    assert problem.message.startswith("sql_file_path 'mart/innocent.sql' leaves the SQL folder")


def test_a_symlink_inside_the_sql_folder_is_accepted(sql_dir: Path) -> None:
    (sql_dir / "alias.sql").symlink_to(sql_dir / "mart" / "daily_sales.sql")

    assert validate_rows([gold_row("alias.sql")], PIPELINES, sql_dir) == []


def test_a_sql_file_path_on_another_pipeline_is_checked_too(sql_dir: Path) -> None:
    problem = only_problem([task_row(sql_file_path="../x.sql")], sql_dir)

    assert problem.row == DESTINATION
    assert "leaves the SQL folder" in problem.message


def test_two_rows_with_the_same_destination(tmp_path: Path) -> None:
    rows = [task_row(), task_row(src_table_name="customers_v2", execution_order=2)]

    assert validate_rows(rows, PIPELINES, tmp_path) == [
        Problem(DESTINATION, "2 active rows write this destination")
    ]


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        ("id IN (SELECT id FROM dev_bronze.shop.deleted)", "not a statement or query"),
        ("EXISTS (SELECT 1 FROM t)", "not a statement or query"),
        ("(SELECT max(x) FROM t) > 1", "not a statement or query"),
        ("SELECT 1", "not a statement or query"),
        ("DELETE FROM dev_silver.shop.customers", "not a statement or query"),
        ("UPDATE t SET x = 1", "not a statement or query"),
        ("_deleted = true; DROP TABLE t", "must be a single expression"),
        ("", "must be a single expression"),
        ("_deleted = ", "delete_condition is not valid SQL"),
    ],
)
def test_a_delete_condition_must_be_one_expression(
    condition: str, fragment: str, tmp_path: Path
) -> None:
    problem = only_problem([task_row(cdc_source_config=cdc(delete_condition=condition))], tmp_path)

    assert problem.row == DESTINATION
    assert problem.message.startswith("cdc_source_config.delete_condition")
    assert fragment in problem.message


@pytest.mark.parametrize(
    "condition",
    ["DROP TABLE dev_silver.shop.customers", "TRUNCATE TABLE t", "ALTER TABLE t DROP COLUMN x"],
)
def test_a_delete_condition_that_is_a_ddl_statement_is_refused(
    condition: str, tmp_path: Path
) -> None:
    problems = validate_rows(
        [task_row(cdc_source_config=cdc(delete_condition=condition))], PIPELINES, tmp_path
    )

    assert [problem.row for problem in problems] == [DESTINATION]


@pytest.mark.parametrize(
    "condition",
    [
        "_fivetran_deleted = true",
        "_deleted",
        "op = 'D' OR (is_deleted AND deleted_at IS NOT NULL)",
        "coalesce(_fivetran_deleted, false)",
        "CASE WHEN op = 'D' THEN true ELSE false END",
    ],
)
def test_a_boolean_expression_is_a_valid_delete_condition(condition: str, tmp_path: Path) -> None:
    rows = [task_row(cdc_source_config=cdc(delete_condition=condition))]

    assert validate_rows(rows, PIPELINES, tmp_path) == []


def test_every_problem_of_every_row_is_reported_together(sql_dir: Path) -> None:
    rows = [
        task_row(
            execution_order=None,
            business_key_columns=None,
            cdc_source_config=cdc(sequence_column="seq", colour="red"),
        ),
        task_row(dst_table_name="orders", execution_pipeline="bogus", src_schema="a b"),
        gold_row("../escape.sql"),
        gold_row("mart/daily_sales.sql"),  # same destination as the one above
    ]

    problems = validate_rows(rows, PIPELINES, sql_dir)

    assert [(problem.row, problem.message.split(" (")[0]) for problem in problems] == [
        ("dev_silver.shop.customers", "execution_order is NULL"),
        (
            "dev_silver.shop.customers",
            "business_key_columns is required by execution_pipeline 'scd1'",
        ),
        (
            "dev_silver.shop.customers",
            "cdc_source_config has unknown key(s) colour; known keys: allow_schema_change, "
            "cluster_by, column_mapping, delete_condition, effective_from_column, "
            "effective_to_column, exclude_columns, full_extract, history_columns, "
            "ignore_null_updates, ignore_null_updates_columns, "
            "ignore_null_updates_except_columns, include_columns, initial_hydrate_source, "
            "is_current_column, "
            "quarantine_table, replace_where, sequence_column, sequence_columns, "
            "snapshot_version_column, "
            "table_comment, table_properties, tombstone_retention_seconds, "
            "track_history_columns, track_history_except_columns, "
            "truncate_condition, watermark_column",
        ),
        ("dev_silver.shop.orders", "unknown execution_pipeline 'bogus'"),
        ("dev_silver.shop.orders", "src_schema 'a b' is not a safe identifier"),
        (
            "dev_gold.mart.daily_sales",
            f"sql_file_path '../escape.sql' leaves the SQL folder {sql_dir.resolve()}",
        ),
        ("dev_gold.mart.daily_sales", "2 active rows write this destination"),
    ]


def test_check_rows_raises_with_every_problem(tmp_path: Path) -> None:
    rows = [task_row(execution_order=None), task_row(dst_table_name="x y", execution_order=-2)]

    with pytest.raises(InvalidMetadata) as raised:
        check_rows(rows, PIPELINES, tmp_path)

    assert [problem.row for problem in raised.value.problems] == [
        DESTINATION,
        "dev_silver.shop.x y",
        "dev_silver.shop.x y",
    ]
    assert str(raised.value).startswith("3 problem(s) in the metadata:\n  - ")
    assert "  - dev_silver.shop.customers: execution_order is NULL" in str(raised.value)


def test_a_valid_set_of_rows_has_no_problem(sql_dir: Path) -> None:
    rows = [
        task_row(),
        task_row(
            dst_table_name="products",
            src_table_name="products",
            execution_pipeline="scd2",
            business_key_columns=("sku", "region"),
            cdc_source_config=cdc(
                sequence_column="_fivetran_synced",
                delete_condition="_fivetran_deleted = true",
                track_history_except_columns=["updated_at"],
                exclude_columns=["_fivetran_id"],
            ),
            timeout_seconds=600,
        ),
        task_row(
            dst_table_name="orders",
            src_table_name="orders",
            execution_order=2,
            execution_pipeline="fact_overwrite",
            business_key_columns=None,
            cdc_source_config="{}",
        ),
        task_row(
            dst_table_name="order_lines",
            src_table_name="order_lines",
            execution_order=3,
            execution_pipeline="fact_incremental_merge",
            business_key_columns=None,
            primary_key_columns=("order_id", "line_no"),
            cdc_source_config=cdc(watermark_column="updated_at"),
        ),
        gold_row("mart/daily_sales.sql", execution_order=1),
    ]

    assert validate_rows(rows, PIPELINES, sql_dir) == []
    check_rows(rows, PIPELINES, sql_dir)  # does not raise


def table(name: str, order: int, depends_on: tuple[str, ...] | None = None) -> TaskRow:
    """A valid scd1 row writing dev_silver.shop.<name>."""
    return task_row(
        dst_table_name=name, src_table_name=name, execution_order=order, depends_on=depends_on
    )


def shop(name: str) -> str:
    return f"dev_silver.shop.{name}"


def test_depends_on_may_name_rows_of_lower_or_the_same_order_and_mix_with_rows_without(
    tmp_path: Path,
) -> None:
    rows = [
        table("customers", 1),
        table("orders", 2, (shop("customers"),)),
        table("payments", 2, (shop("orders"),)),
        table("refunds", 2, ()),
        table("returns", 3),
    ]

    assert validate_rows(rows, PIPELINES, tmp_path) == []


def test_depends_on_an_unknown_destination_names_the_row(tmp_path: Path) -> None:
    rows = [table("customers", 1), table("orders", 2, (shop("customer"), shop("customers")))]

    assert validate_rows(rows, PIPELINES, tmp_path) == [
        Problem(
            shop("orders"),
            "depends_on names dev_silver.shop.customer, "
            "which is not an active row of layer bronze_to_silver",
        )
    ]


def test_depends_on_that_differs_only_in_case_gets_a_hint(tmp_path: Path) -> None:
    rows = [table("customers", 1), table("orders", 2, ("DEV_SILVER.shop.Customers",))]

    problem = only_problem(rows, tmp_path)

    assert problem.message.endswith("(did you mean dev_silver.shop.customers?)")


def test_depends_on_a_later_execution_order_names_the_row(tmp_path: Path) -> None:
    rows = [table("customers", 1, (shop("orders"),)), table("orders", 2)]

    assert validate_rows(rows, PIPELINES, tmp_path) == [
        Problem(
            shop("customers"),
            "depends_on names dev_silver.shop.orders of execution_order 2, later than this row's 1",
        )
    ]


def test_a_depends_on_cycle_is_named_from_its_first_row(tmp_path: Path) -> None:
    rows = [
        table("orders", 2, (shop("payments"),)),
        table("payments", 2, (shop("refunds"),)),
        table("refunds", 2, (shop("orders"),)),
        table("customers", 1),
    ]

    assert validate_rows(rows, PIPELINES, tmp_path) == [
        Problem(
            shop("orders"),
            "depends_on cycle: dev_silver.shop.orders -> dev_silver.shop.payments -> "
            "dev_silver.shop.refunds -> dev_silver.shop.orders",
        )
    ]


def test_a_row_that_depends_on_itself_is_a_cycle(tmp_path: Path) -> None:
    problem = only_problem([table("orders", 2, (shop("orders"),))], tmp_path)

    assert problem == Problem(
        shop("orders"), "depends_on cycle: dev_silver.shop.orders -> dev_silver.shop.orders"
    )


def test_a_two_row_cycle_reads_a_to_b_to_a(tmp_path: Path) -> None:
    rows = [table("a", 1, (shop("b"),)), table("b", 1, (shop("a"),))]

    with pytest.raises(InvalidMetadata, match=r"shop.a -> dev_silver.shop.b -> dev_silver.shop.a"):
        check_rows(rows, PIPELINES, tmp_path)


# `medallion metadata load`: the layers as they will be after the MERGE, not the file alone.
DEMO = Path(__file__).resolve().parents[3] / "metadata"


def demo_gold_rows() -> list[TaskRow]:
    from medallion_orchestrator.metadata.files import read_rows

    return [row for row in read_rows(DEMO / "demo") if row.layer == "silver_to_gold"]


def by_name(rows: list[TaskRow], table: str) -> TaskRow:
    return next(row for row in rows if row.dst_table_name == table)


def test_a_file_of_one_gold_row_is_checked_with_the_rows_already_in_the_table() -> None:
    current = demo_gold_rows()
    summary = by_name(current, "daily_channel_summary")

    check_upsert(current, [summary], PIPELINES, DEMO / "sql")
    with pytest.raises(InvalidMetadata, match=r"reads dev_gold\.sales\.daily_revenue"):
        check_upsert([], [summary], PIPELINES, DEMO / "sql")


def test_deactivating_a_row_that_another_reads_is_refused() -> None:
    current = demo_gold_rows()
    switched_off = dataclasses.replace(by_name(current, "daily_revenue"), is_active_flag=False)

    with pytest.raises(InvalidMetadata) as refused:
        check_upsert(current, [switched_off], PIPELINES, DEMO / "sql")
    assert [p.row for p in refused.value.problems] == ["dev_gold.sales.daily_channel_summary"]


def test_a_row_moved_to_another_layer_is_checked_in_the_layer_it_leaves() -> None:
    current = demo_gold_rows()
    moved = dataclasses.replace(by_name(current, "daily_revenue"), layer="later_gold")

    layers = rows_after_upsert(current, [moved])
    assert set(layers) == {"silver_to_gold", "later_gold"}
    assert "daily_revenue" not in {row.dst_table_name for row in layers["silver_to_gold"]}
    with pytest.raises(InvalidMetadata, match="daily_channel_summary"):
        check_upsert(current, [moved], PIPELINES, DEMO / "sql")


def test_gold_sql_may_name_the_environments_catalogs(tmp_path: Path) -> None:
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "daily_sales.sql").write_text(
        "CREATE OR REPLACE TABLE prod_gold.mart.daily_sales AS SELECT 1 AS n"
    )
    row = gold_row("gold/daily_sales.sql")

    check_upsert([], [row], PIPELINES, tmp_path, {"dev_gold": "prod_gold"})
    with pytest.raises(InvalidMetadata):
        check_upsert([], [row], PIPELINES, tmp_path)


def replace_where_row(**config: Any) -> TaskRow:
    return task_row(execution_pipeline="fact_replace_where", cdc_source_config=cdc(**config))


REPLACE_WHERE_MISUSES = [
    (replace_where_row(), "execution_pipeline fact_replace_where needs cdc_source_config"),
    (
        task_row(cdc_source_config=cdc(replace_where="day = 1")),
        "cdc_source_config.replace_where applies to execution_pipeline fact_replace_where "
        "only, not 'scd1'",
    ),
    (replace_where_row(replace_where="day ="), "replace_where is not valid SQL"),
    (replace_where_row(replace_where="day = 1; DROP TABLE t"), "must be a single expression"),
    (
        replace_where_row(replace_where="day IN (SELECT day FROM t)"),
        "must be an expression, not a statement or query",
    ),
    (replace_where_row(replace_where="DELETE FROM t"), "not a statement or query"),
    (
        replace_where_row(incremental_predicates="amount + 1"),
        "cdc_source_config.incremental_predicates must be a boolean condition, not 'amount + 1'",
    ),
    (replace_where_row(replace_where="1 = 1"), "names no column: to replace every row"),
    (replace_where_row(replace_where="f.day = 1"), "names f.day: name the target's columns"),
    (replace_where_row(replace_where="`a b` = 1"), "names unsafe column 'a b'"),
    (
        replace_where_row(replace_where="_deleted = false", exclude_columns=["_deleted"]),
        "names '_deleted', which exclude_columns leaves out of the target",
    ),
    (
        replace_where_row(replace_where="day = 1", allow_schema_change=True),
        "allow_schema_change applies to fact_overwrite, not fact_replace_where",
    ),
]


@pytest.mark.parametrize(
    "predicate",
    [
        "day = '2024-03-02'",
        "day >= date_sub(current_date(), 7) AND shop IN (1, 2)",
        "(day BETWEEN '2024-03-01' AND '2024-03-07') OR day IS NULL",
        "NOT is_test",
    ],
)
def test_a_boolean_condition_over_columns_is_a_valid_replace_where(
    predicate: str, tmp_path: Path
) -> None:
    assert validate_rows([replace_where_row(replace_where=predicate)], PIPELINES, tmp_path) == []


def hydrated(pipeline: str = "scd1", **config: Any) -> TaskRow:
    given = {"sequence_by": "seq", "initial_hydrate_source": "dev_bronze.crm.snapshot", **config}
    written = {key: value for key, value in given.items() if value is not None}
    return task_row(execution_pipeline=pipeline, cdc_source_config=cdc(**written))


HYDRATE_MISUSES = [
    (
        hydrated(initial_hydrate_source="crm.snapshot"),
        "cdc_source_config.initial_hydrate_source 'crm.snapshot' must be catalog.schema.table",
    ),
    (
        hydrated(initial_hydrate_source="dev_bronze.crm.snap-shot"),
        "'dev_bronze.crm.snap-shot' must be catalog.schema.table, each a safe identifier",
    ),
    (
        hydrated(initial_hydrate_source="dev_bronze.shop.customers"),
        "initial_hydrate_source is the row's own source dev_bronze.shop.customers",
    ),
    (
        hydrated("scd1_snapshot", sequence_by=None),
        "initial_hydrate_source applies to execution_pipeline scd1 and scd2 only, "
        "not 'scd1_snapshot'",
    ),
    (
        hydrated(sequence_by=None),
        "initial_hydrate_source needs sequence_by (or sequence_column)",
    ),
]


@pytest.mark.parametrize("pipeline", ["scd1", "scd2"])
def test_an_initial_hydrate_of_a_sequenced_change_feed_is_valid(
    pipeline: str, tmp_path: Path
) -> None:
    assert validate_rows([hydrated(pipeline)], PIPELINES, tmp_path) == []


@pytest.mark.parametrize(("row", "fragment"), REPLACE_WHERE_MISUSES + HYDRATE_MISUSES)
def test_a_loader_option_misuse_is_refused_naming_the_row(
    row: TaskRow, fragment: str, tmp_path: Path
) -> None:
    problem = only_problem([row], tmp_path)

    assert problem.row == DESTINATION
    assert fragment in problem.message
