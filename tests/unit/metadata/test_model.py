"""Typed rows of the execution_table: building, JSON round trip, naming."""

from __future__ import annotations

import json

import pytest

from fakes import task_row
from medallion_orchestrator.metadata.cdc_config import CdcSourceConfig
from medallion_orchestrator.metadata.model import CONTRACT_COLUMNS, OPTIONAL_COLUMNS, TaskRow


def test_from_mapping_of_a_spark_row_dict() -> None:
    values = {column: None for column in CONTRACT_COLUMNS} | {
        "dst_catalog": "dev_silver",
        "dst_schema": "shop",
        "dst_table_name": "customers",
        "execution_order": 2,
        "execution_pipeline": "scd2",
        "business_key_columns": ["customer_id", "region"],
        "primary_key_columns": [],
        "is_active_flag": True,
    }

    row = TaskRow.from_mapping(values)

    assert row.business_key_columns == ("customer_id", "region")
    assert row.primary_key_columns == ()
    assert row.execution_order == 2
    assert row.timeout_seconds is None  # the optional columns may be absent
    assert row.depends_on is None
    assert row.cdc == CdcSourceConfig()


def test_from_mapping_turns_a_yaml_cdc_mapping_into_json_text() -> None:
    config = {"sequence_column": "seq", "full_extract": True}

    row = TaskRow.from_mapping({"cdc_source_config": config})

    assert json.loads(row.cdc_source_config or "") == config
    assert row.cdc == CdcSourceConfig(sequence_columns=("seq",), full_extract=True)


def test_an_unknown_column_is_an_error_naming_every_one() -> None:
    with pytest.raises(ValueError, match=r"unknown column\(s\) dst_tabel_name, priority"):
        TaskRow.from_mapping({"dst_catalog": "dev_silver", "priority": 1, "dst_tabel_name": "x"})


@pytest.mark.parametrize(
    "row",
    [
        task_row(),
        task_row(
            execution_pipeline="fact_incremental_merge",
            business_key_columns=None,
            primary_key_columns=("order_id", "line"),
            cdc_source_config='{"watermark_column": "ts"}',
            comment="orders, ünïcode too",
            timeout_seconds=900,
            depends_on=("dev_silver.shop.orders",),
        ),
        task_row(depends_on=()),
        task_row(execution_pipeline="gold_sql", src_catalog=None, sql_file_path="mart/x.sql"),
    ],
)
def test_to_json_and_from_json_round_trip(row: TaskRow) -> None:
    text = row.to_json()

    assert TaskRow.from_json(text) == row
    assert set(json.loads(text)) == set(CONTRACT_COLUMNS) | set(OPTIONAL_COLUMNS)


def test_to_dict_gives_key_columns_as_lists() -> None:
    values = task_row(primary_key_columns=("a", "b")).to_dict()

    assert values["business_key_columns"] == ["customer_id"]
    assert values["primary_key_columns"] == ["a", "b"]


def test_depends_on_is_a_tuple_of_destinations_and_a_list_in_dicts() -> None:
    row = TaskRow.from_mapping({"depends_on": ["dev_silver.shop.customers"]})

    assert row.depends_on == ("dev_silver.shop.customers",)
    assert row.to_dict()["depends_on"] == ["dev_silver.shop.customers"]
    assert TaskRow.from_mapping({"depends_on": []}).depends_on == ()


def test_depends_on_given_as_one_string_is_an_error() -> None:
    with pytest.raises(ValueError, match="depends_on must be a list of names"):
        TaskRow.from_mapping({"depends_on": "dev_silver.shop.customers"})


def test_destination_and_source_are_three_level_names() -> None:
    row = task_row()

    assert row.destination == "dev_silver.shop.customers"
    assert row.source == "dev_bronze.shop.customers"


def test_missing_name_parts_show_as_question_marks() -> None:
    row = task_row(dst_schema=None, dst_table_name="", src_catalog=None)

    assert row.destination == "dev_silver.?.?"
    assert row.source == "?.shop.customers"


def test_a_key_column_given_as_a_string_is_not_split_into_letters() -> None:
    try:
        row = TaskRow.from_mapping({"business_key_columns": "customer_id"})
    except ValueError:
        return  # refusing it is fine too
    assert row.business_key_columns == ("customer_id",)
