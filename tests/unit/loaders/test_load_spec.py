"""A load's specification: read once from its row, the names every message starts with."""

from __future__ import annotations

import json

import pytest

from fakes import task_row
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.spec import LoadSpec


class Names:
    def table(self, catalog: str, schema: str, name: str) -> str:
        return f"{catalog}__{schema}.{name}"


def test_a_spec_reads_the_row_once() -> None:
    row = task_row(
        primary_key_columns=("id",),
        cdc_source_config=json.dumps({"sequence_by": ["ts", "lsn"], "apply_as_deletes": "op"}),
    )

    spec = LoadSpec.of(row)

    assert (spec.destination, spec.source) == (
        "dev_silver.shop.customers",
        "dev_bronze.shop.customers",
    )
    assert (spec.keys, spec.primary_keys) == (("customer_id",), ("id",))
    assert spec.cdc.sequence_columns == ("ts", "lsn")
    assert spec.cdc.key("delete_condition") == "apply_as_deletes"  # as the row wrote it
    assert spec.target(Names()) == "dev_silver__shop.customers"


def test_a_table_beside_the_target_keeps_the_targets_name_in_messages() -> None:
    spec = LoadSpec.of(task_row())

    scratch = spec.writing("__full_refresh")

    assert scratch.target(Names()) == "dev_silver__shop.customers__full_refresh"
    assert scratch.destination == spec.destination
    assert (scratch.keys, scratch.cdc) == (spec.keys, spec.cdc)


def test_a_row_with_no_whole_destination_has_no_spec() -> None:
    with pytest.raises(LoadError, match=r"dev_silver\.\?\.customers: the row names no complete"):
        LoadSpec.of(task_row(dst_schema=None))
