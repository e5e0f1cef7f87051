"""Which columns ignore a NULL in an update, and a listed column the load does not carry."""

from __future__ import annotations

import json

import pytest

from fakes import task_row
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.null_updates import ignored_columns
from medallion_orchestrator.loaders.spec import LoadSpec

ATTRIBUTES = ["name", "email", "phone"]


@pytest.mark.parametrize(
    ("config", "ignored"),
    [
        ({}, []),
        ({"ignore_null_updates": True}, ATTRIBUTES),
        ({"ignore_null_updates_column_list": ["phone"]}, ["phone"]),
        ({"ignore_null_updates_except_column_list": ["phone"]}, ["name", "email"]),
    ],
)
def test_the_ignored_columns_of_each_form(config: dict[str, object], ignored: list[str]) -> None:
    spec = LoadSpec.of(task_row(cdc_source_config=json.dumps(config)))

    assert ignored_columns(spec, ATTRIBUTES) == ignored


@pytest.mark.parametrize(
    "key", ["ignore_null_updates_column_list", "ignore_null_updates_except_columns"]
)
def test_a_listed_column_the_load_does_not_carry_is_an_error_naming_it(key: str) -> None:
    spec = LoadSpec.of(task_row(cdc_source_config=json.dumps({key: ["phone", "fax"]})))

    with pytest.raises(
        LoadError, match=rf"customers: cdc_source_config.{key} names column\(s\) fax"
    ):
        ignored_columns(spec, ATTRIBUTES)
