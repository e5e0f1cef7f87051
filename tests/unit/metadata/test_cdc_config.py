"""The `cdc_source_config` JSON of a metadata row: defaults, every key, every mistake."""

from __future__ import annotations

import json
from typing import Any

import pytest

from medallion_orchestrator.metadata.cdc_config import CdcSourceConfig


@pytest.mark.parametrize("text", [None, "", "   ", "{}", " { } "])
def test_null_blank_or_empty_object_means_the_defaults(text: str | None) -> None:
    config = CdcSourceConfig.parse(text)

    assert config == CdcSourceConfig()
    assert config.sequence_columns == ()
    assert config.delete_condition is None
    assert config.full_extract is False
    assert config.track_history_columns is None
    assert config.track_history_except_columns is None
    assert config.watermark_column is None
    assert config.exclude_columns == ()


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ('{"sequence_column": "_fivetran_synced"}', "sequence_columns", ("_fivetran_synced",)),
        (
            '{"delete_condition": "_fivetran_deleted = true"}',
            "delete_condition",
            "_fivetran_deleted = true",
        ),
        ('{"full_extract": true}', "full_extract", True),
        ('{"full_extract": false}', "full_extract", False),
        ('{"track_history_columns": ["city", "tier"]}', "track_history_columns", ("city", "tier")),
        ('{"track_history_columns": null}', "track_history_columns", None),
        (
            '{"track_history_except_columns": ["updated_at"]}',
            "track_history_except_columns",
            ("updated_at",),
        ),
        ('{"watermark_column": "event_ts"}', "watermark_column", "event_ts"),
        ('{"exclude_columns": ["_id", "raw"]}', "exclude_columns", ("_id", "raw")),
        ('{"exclude_columns": []}', "exclude_columns", ()),
        ('{"sequence_column": null}', "sequence_columns", ()),
        ('{"effective_from_column": "valid_from"}', "effective_from_column", "valid_from"),
        ('{"effective_to_column": "valid_to"}', "effective_to_column", "valid_to"),
        ('{"is_current_column": "current"}', "is_current_column", "current"),
        ('{"is_current_column": null}', "is_current_column", "is_current"),
        (
            '{"quarantine_table": "dev_silver.q.bad_keys"}',
            "quarantine_table",
            "dev_silver.q.bad_keys",
        ),
        ('{"allow_schema_change": true}', "allow_schema_change", True),
        ('{"truncate_condition": "op = \'T\'"}', "truncate_condition", "op = 'T'"),
        ('{"snapshot_version_column": "taken_on"}', "snapshot_version_column", "taken_on"),
        ('{"snapshot_version_column": null}', "snapshot_version_column", None),
        ('{"tombstone_retention_seconds": 3600}', "tombstone_retention_seconds", 3600),
        ('{"tombstone_retention_seconds": 0}', "tombstone_retention_seconds", 0),
        (
            '{"pipelines.cdc.tombstoneGCThresholdInSeconds": 60}',
            "tombstone_retention_seconds",
            60,
        ),
        ("{}", "tombstone_retention_seconds", 7 * 24 * 3600),
    ],
)
def test_each_key_is_read_with_its_type(text: str, field: str, expected: Any) -> None:
    assert getattr(CdcSourceConfig.parse(text), field) == expected


def test_every_key_together() -> None:
    text = """{
        "sequence_column": "seq", "delete_condition": "op = 'D'", "full_extract": true,
        "track_history_except_columns": ["updated_at"], "watermark_column": "ts",
        "exclude_columns": ["_raw"]
    }"""

    assert CdcSourceConfig.parse(text) == CdcSourceConfig(
        sequence_columns=("seq",),
        delete_condition="op = 'D'",
        full_extract=True,
        track_history_except_columns=("updated_at",),
        watermark_column="ts",
        exclude_columns=("_raw",),
    )


def test_an_unknown_key_is_an_error_naming_it_and_the_known_keys() -> None:
    with pytest.raises(ValueError, match="unknown key") as raised:
        CdcSourceConfig.parse('{"sequence_column": "seq", "delete_conditon": "x", "zz": 1}')

    message = str(raised.value)
    assert "delete_conditon, zz" in message
    assert (
        "known keys: allow_schema_change, cluster_by, column_mapping, delete_condition" in message
    )


@pytest.mark.parametrize("text", ["{", '{"full_extract": tru}', "sequence_column=seq", "{'a': 1}"])
def test_malformed_json_is_an_error(text: str) -> None:
    with pytest.raises(ValueError, match="cdc_source_config is not valid JSON"):
        CdcSourceConfig.parse(text)


@pytest.mark.parametrize("text", ["[]", '"seq"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_an_error(text: str) -> None:
    with pytest.raises(ValueError, match="cdc_source_config must be a JSON object"):
        CdcSourceConfig.parse(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"sequence_column": 7}', "cdc_source_config.sequence_column must be a column name"),
        ('{"delete_condition": true}', "cdc_source_config.delete_condition must be a string"),
        ('{"watermark_column": ["ts"]}', "cdc_source_config.watermark_column must be a string"),
        ('{"full_extract": "yes"}', "cdc_source_config.full_extract must be true or false"),
        ('{"full_extract": 1}', "cdc_source_config.full_extract must be true or false"),
        ('{"track_history_columns": "city"}', "track_history_columns must be a list of column"),
        ('{"track_history_except_columns": [1]}', "track_history_except_columns must be a list"),
        ('{"exclude_columns": null}', "cdc_source_config.exclude_columns must be a list"),
        ('{"exclude_columns": ["a", null]}', "cdc_source_config.exclude_columns must be a list"),
        ('{"effective_to_column": ""}', "cdc_source_config.effective_to_column must be a column"),
        ('{"quarantine_table": 3}', "cdc_source_config.quarantine_table must be a string"),
        ('{"allow_schema_change": "no"}', "allow_schema_change must be true or false"),
        ('{"sequence_by": []}', "cdc_source_config.sequence_by must be a column name or a list"),
        ('{"sequence_columns": 3}', "cdc_source_config.sequence_columns must be a column name"),
        ('{"sequence_by": ["ts", 1]}', "cdc_source_config.sequence_by must be a column name"),
        ('{"ignore_null_updates": "yes"}', "ignore_null_updates must be true or false"),
        ('{"column_list": "id"}', "cdc_source_config.column_list must be a list of column"),
        ('{"apply_as_truncates": false}', "cdc_source_config.apply_as_truncates must be a string"),
        ('{"history_columns": "scd"}', 'history_columns must be "default" or "auto_cdc"'),
        ('{"column_mapping": ["a"]}', "column_mapping must be an object of source column names"),
        ('{"comment": 3}', "cdc_source_config.comment must be a string"),
        ('{"table_properties": {"a": 1}}', "table_properties must be an object of property names"),
        ('{"table_properties": "a=b"}', "table_properties must be an object of property names"),
        ('{"cluster_by": "id"}', "cdc_source_config.cluster_by must be a list of column names"),
        ('{"column_mapping": {"a b": 1}}', "column_mapping must be an object of source column"),
        ('{"column_mapping": {"": "a"}}', "column_mapping must be an object of source column"),
        ('{"history_columns": true}', 'history_columns must be "default" or "auto_cdc"'),
        ('{"snapshot_version_column": 2}', "snapshot_version_column must be a string"),
        ('{"tombstone_retention_seconds": -1}', "must be a whole number of seconds, 0 or more"),
        ('{"tombstone_retention_seconds": "7d"}', "must be a whole number of seconds, 0 or more"),
        ('{"tombstone_retention_seconds": true}', "must be a whole number of seconds, 0 or more"),
        ('{"tombstone_retention_seconds": 1.5}', "must be a whole number of seconds, 0 or more"),
    ],
)
def test_a_value_of_the_wrong_type_is_an_error_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CdcSourceConfig.parse(text)


def test_column_names_lists_every_column_the_config_mentions_but_not_the_condition() -> None:
    config = CdcSourceConfig.parse(
        '{"sequence_column": "seq", "watermark_column": "ts", "delete_condition": "gone = true",'
        ' "track_history_columns": ["city"], "track_history_except_columns": ["note"],'
        ' "exclude_columns": ["_raw", "_id"]}'
    )

    assert config.column_names() == ["seq", "ts", "city", "note", "_raw", "_id"]


def test_column_names_of_the_defaults_is_empty() -> None:
    assert CdcSourceConfig.parse(None).column_names() == []


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ('{"sequence_column": "seq"}', "sequence_columns", ("seq",)),
        ('{"sequence_columns": ["ts", "lsn"]}', "sequence_columns", ("ts", "lsn")),
        ('{"sequence_by": "seq"}', "sequence_columns", ("seq",)),
        ('{"sequence_by": ["ts", "lsn"]}', "sequence_columns", ("ts", "lsn")),
        ('{"apply_as_deletes": "op = \'D\'"}', "delete_condition", "op = 'D'"),
        ('{"apply_as_truncates": "op = \'T\'"}', "truncate_condition", "op = 'T'"),
        ('{"column_list": ["id", "name"]}', "include_columns", ("id", "name")),
        ('{"except_column_list": ["op"]}', "exclude_columns", ("op",)),
        ('{"track_history_column_list": ["city"]}', "track_history_columns", ("city",)),
        (
            '{"track_history_except_column_list": ["pts"]}',
            "track_history_except_columns",
            ("pts",),
        ),
        ('{"ignore_null_updates": true}', "ignore_null_updates", True),
        (
            '{"ignore_null_updates_column_list": ["phone"]}',
            "ignore_null_updates_columns",
            ("phone",),
        ),
        (
            '{"ignore_null_updates_except_column_list": ["phone"]}',
            "ignore_null_updates_except_columns",
            ("phone",),
        ),
    ],
)
def test_auto_cdc_option_names_are_aliases(text: str, field: str, expected: Any) -> None:
    assert getattr(CdcSourceConfig.parse(text), field) == expected


def test_an_alias_and_its_own_name_together_are_an_error_naming_both() -> None:
    with pytest.raises(ValueError, match="sequence_by and sequence_column name the same option"):
        CdcSourceConfig.parse('{"sequence_column": "seq", "sequence_by": "seq"}')


def test_the_key_as_written_is_kept_for_messages() -> None:
    config = CdcSourceConfig.parse('{"column_list": ["a"], "exclude_columns": ["b"]}')

    assert config.key("include_columns") == "column_list"
    assert config.key("exclude_columns") == "exclude_columns"
    assert config.key("ignore_null_updates") == "ignore_null_updates"


@pytest.mark.parametrize(
    ("text", "ignored"),
    [
        ("{}", []),
        ('{"ignore_null_updates": false}', []),
        ('{"ignore_null_updates": true}', ["name", "email", "phone"]),
        ('{"ignore_null_updates_columns": ["phone"]}', ["phone"]),
        ('{"ignore_null_updates_except_columns": ["phone"]}', ["name", "email"]),
    ],
)
def test_the_columns_whose_nulls_an_update_ignores(text: str, ignored: list[str]) -> None:
    config = CdcSourceConfig.parse(text)

    assert config.null_ignoring(["name", "email", "phone"]) == ignored


def test_column_names_include_the_auto_cdc_lists() -> None:
    config = CdcSourceConfig.parse(
        '{"sequence_by": ["ts", "lsn"], "column_list": ["a"],'
        ' "ignore_null_updates_column_list": ["b"]}'
    )

    assert config.column_names() == ["ts", "lsn", "a", "b"]


@pytest.mark.parametrize(
    ("text", "columns", "current"),
    [
        ("{}", ("effective_from", "effective_to", "is_current"), "is_current"),
        (
            '{"history_columns": "default"}',
            ("effective_from", "effective_to", "is_current"),
            "is_current",
        ),
        ('{"history_columns": "auto_cdc"}', ("__START_AT", "__END_AT"), None),
        (
            '{"effective_to_column": "valid_to"}',
            ("effective_from", "valid_to", "is_current"),
            "is_current",
        ),
    ],
)
def test_history_columns_auto_cdc_names_the_scd2_columns_as_auto_cdc_does(
    text: str, columns: tuple[str, ...], current: str | None
) -> None:
    config = CdcSourceConfig.parse(text)

    assert config.scd2_columns == columns
    assert config.is_current_column == current


def test_column_mapping_is_read_and_its_silver_names_are_column_names() -> None:
    config = CdcSourceConfig.parse(
        '{"column_mapping": {"customer id": "customer_id", "e.mail": "email"},'
        ' "sequence_by": "seq"}'
    )

    assert config.column_mapping == (("customer id", "customer_id"), ("e.mail", "email"))
    assert config.column_names() == ["seq", "customer_id", "email"]


def test_table_settings_are_read_under_auto_cdc_names_too() -> None:
    config = CdcSourceConfig.parse(
        '{"comment": "customers", "table_properties": {"quality": "silver"}, "cluster_by": ["id"]}'
    )

    assert config.table_comment == "customers"
    assert config.table_properties == (("quality", "silver"),)
    assert config.cluster_by == ("id",)
    assert config.column_names() == ["id"]
    assert CdcSourceConfig.parse('{"cluster_by": []}').cluster_by == ()
    assert CdcSourceConfig.parse("{}").cluster_by is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"replace_where": "day = \'2024-03-02\'"}', "day = '2024-03-02'"),
        ('{"incremental_predicates": "day >= \'2024-03-01\'"}', "day >= '2024-03-01'"),
        ('{"incremental_predicates": ["day > 1"]}', "day > 1"),
        ('{"incremental_predicates": ["day > 1", "shop = 2"]}', "(day > 1) AND (shop = 2)"),
    ],
)
def test_replace_where_is_read_under_dbt_s_incremental_predicates_too(
    text: str, expected: str
) -> None:
    assert CdcSourceConfig.parse(text).replace_where == expected


@pytest.mark.parametrize(
    "text",
    [
        '{"replace_where": 3}',
        '{"replace_where": "  "}',
        '{"incremental_predicates": []}',
        '{"incremental_predicates": ["day > 1", ""]}',
        '{"incremental_predicates": [1]}',
    ],
)
def test_a_replace_where_that_is_not_a_predicate_is_an_error_naming_the_key(text: str) -> None:
    key = next(iter(json.loads(text)))
    with pytest.raises(ValueError, match=f"cdc_source_config.{key} must be a SQL predicate"):
        CdcSourceConfig.parse(text)


def test_replace_where_and_incremental_predicates_together_are_an_error() -> None:
    with pytest.raises(ValueError, match="incremental_predicates and replace_where name the same"):
        CdcSourceConfig.parse('{"replace_where": "a = 1", "incremental_predicates": "a = 1"}')
