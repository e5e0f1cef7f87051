"""The `cdc_source_config` JSON of a metadata row: defaults, every key, every mistake."""

from __future__ import annotations

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
    assert "known keys: allow_schema_change, delete_condition, effective_from_column" in message


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
