"""SCD1 on every edge case: each case is a key of one bronze table loaded three times.

Every case of CASES has its own `case` value in a composite business key (case, id), so one
sequence of loads serves them all; each test compares the whole slice of its case. Bronze on
load n is the case's batch n (its last batch once it has no more).
"""

from __future__ import annotations

from typing import Any

import pytest

from integration.auto_cdc_example import USERS, USERS_CDF
from integration.loader_support import (
    COMMITS,
    assert_rows,
    assert_table,
    bronze,
    fresh_schema,
    load,
    load_cases,
    row_for,
    version,
)
from medallion_orchestrator.runtime.lakehouse import Lakehouse, lakehouse_for

pytestmark = pytest.mark.spark

BRONZE = "case STRING, id INT, name STRING, city STRING, seq INT, deleted BOOLEAN"
SILVER = "case STRING, id INT, name STRING, city STRING, seq INT"
CONFIG = {
    "sequence_column": "seq",
    "delete_condition": "deleted = true",
    "exclude_columns": ["deleted"],
}
LOADS = 3


def e(id_: int, name: str | None, city: str | None, seq: int, gone: bool = False):
    """A bronze event."""
    return (id_, name, city, seq, gone)


A1, B5 = e(1, "a", "x", 1), e(1, "b", "x", 5)
GONE5 = e(1, "zz", "zz", 5, True)
# case -> (bronze batch per load, expected rows: id, name, city, seq)
CASES: dict[str, tuple[list[list[tuple[Any, ...]]], list[tuple[Any, ...]]]] = {
    "the_latest_of_several_events_of_a_key_wins": (
        [[e(1, "c", "x", 3), A1, e(1, "b", "x", 2)]],
        [(1, "c", "x", 3)],
    ),
    "exact_duplicate_rows_count_once": ([[A1, A1]], [(1, "a", "x", 1)]),
    "a_late_event_in_a_later_load_is_ignored": ([[B5], [B5, e(1, "a", "x", 3)]], [B5[:4]]),
    "a_late_event_never_overwrites_the_newer_stored_row": (
        [[B5], [e(1, "a", "x", 3)]],
        [B5[:4]],
    ),
    "value_to_null_is_a_change": ([[A1], [A1, e(1, "a", None, 2)]], [(1, "a", None, 2)]),
    "null_to_value_is_a_change": (
        [[e(1, "a", None, 1)], [e(1, "a", None, 1), e(1, "a", "x", 2)]],
        [(1, "a", "x", 2)],
    ),
    "null_to_null_is_no_change_and_writes_nothing": (
        [[e(1, "a", None, 1)], [e(1, "a", None, 1), e(1, "a", None, 2)]],
        [(1, "a", None, 1)],
    ),
    "a_delete_removes_the_row": ([[A1], [A1, e(1, "zz", "zz", 2, True)]], []),
    "a_key_back_after_a_delete_is_inserted": (
        [[A1, e(1, "a", "x", 2, True)], [A1, e(1, "a", "x", 2, True), e(1, "b", "x", 3)]],
        [(1, "b", "x", 3)],
    ),
    "an_upsert_older_than_a_delete_does_not_bring_the_key_back": (
        [[A1, GONE5], [A1, GONE5, e(1, "c", "x", 3)]],
        [],
    ),
    "an_upsert_older_than_a_delete_in_the_same_batch_stays_deleted": (
        [[A1, GONE5, e(1, "c", "x", 3)]],
        [],
    ),
    "a_delete_older_than_the_stored_row_is_ignored": (
        [[B5], [e(1, "b", "x", 3, True)]],
        [B5[:4]],
    ),
    "a_delete_of_an_unknown_key_does_nothing": ([[e(1, "a", "x", 1, True)]], []),
    "a_new_key_in_a_later_load_is_inserted": (
        [[A1], [A1, e(2, "b", "y", 2)]],
        [(1, "a", "x", 1), (2, "b", "y", 2)],
    ),
}


@pytest.fixture(scope="module", params=COMMITS)
def cases(spark, request) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Every case loaded LOADS times and once more with nothing new, committed by MERGE or by
    rewrite."""
    schema = fresh_schema("scd1_cases")
    source, target = f"dev_bronze.{schema}.customers", f"dev_silver.{schema}.customers"
    row = row_for(source, target, "scd1", ["case", "id"], CONFIG)
    return load_cases(lakehouse_for(spark), row, CASES, BRONZE, LOADS, request.param)


@pytest.mark.parametrize("case", list(CASES))
def test_scd1_case(cases: dict[str, Any], case: str) -> None:
    expected = [(case, *row) for row in CASES[case][1]]
    assert_rows(cases["table"].where("case", case), expected, SILVER)


def test_a_rerun_with_no_new_bronze_data_commits_nothing(cases: dict[str, Any]) -> None:
    assert cases["after"] == cases["before"]
    assert cases["rerun"].rows_written == 0
    assert cases["rerun"].message.startswith("unchanged")


@pytest.mark.parametrize("batches", [[USERS_CDF], [USERS_CDF[:4], USERS_CDF[4:]]], ids=["1", "2"])
def test_the_auto_cdc_documentation_example(
    lakehouse: Lakehouse, unique: str, batches: list[Any]
) -> None:
    source, target = f"dev_bronze.{unique}.users", f"dev_silver.{unique}.users"
    config = {
        "sequence_column": "sequenceNum",
        "delete_condition": "operation = 'DELETE'",
        "exclude_columns": ["operation", "sequenceNum"],
    }
    row = row_for(source, target, "scd1", ["userId"], config)
    for batch in batches:
        bronze(lakehouse, source, batch, USERS)
        load(lakehouse, row)
    assert_table(
        lakehouse,
        target,
        [(124, "Raul", "Oaxaca"), (125, "Mercedes", "Guadalajara"), (126, "Lily", "Cancun")],
        "userId INT, name STRING, city STRING",
    )


def test_full_extract_deletes_the_keys_missing_from_the_source(
    lakehouse: Lakehouse, unique: str
) -> None:
    source, target = f"dev_bronze.{unique}.regions", f"dev_silver.{unique}.regions"
    row = row_for(source, target, "scd1", ["id"], {"full_extract": True})
    bronze(lakehouse, source, [(1, "a"), (2, "b"), (3, "c")], "id INT, name STRING")
    load(lakehouse, row)
    bronze(lakehouse, source, [(1, "a"), (3, "c2")], "id INT, name STRING")
    result = load(lakehouse, row)
    assert result.message.endswith(": 0 inserted, 1 updated, 1 deleted")
    assert_table(lakehouse, target, [(1, "a"), (3, "c2")], "id INT, name STRING")
    before = version(lakehouse, target)
    assert load(lakehouse, row).rows_written == 0
    assert version(lakehouse, target) == before


def test_null_keys_go_to_the_quarantine_table_once(lakehouse: Lakehouse, unique: str) -> None:
    source, target = f"dev_bronze.{unique}.stores", f"dev_silver.{unique}.stores"
    quarantine = f"dev_silver.{unique}_quarantine.bad_keys"
    row = row_for(source, target, "scd1", ["id"], {"quarantine_table": quarantine})
    rows = [(1, "a"), (None, "x"), (None, "x"), (None, "y"), (2, "b")]
    bronze(lakehouse, source, rows, "id INT, name STRING")
    load(lakehouse, row)
    assert_table(lakehouse, target, [(1, "a"), (2, "b")], "id INT, name STRING")
    expected = [
        (target, source, ["id"], '{"name":"x"}'),
        (target, source, ["id"], '{"name":"y"}'),
    ]
    table = lakehouse.spark.table(lakehouse.table_of(quarantine)).drop("quarantined_at")
    assert sorted(map(tuple, table.collect())) == sorted(expected)
    versions = version(lakehouse, quarantine), version(lakehouse, target)
    load(lakehouse, row)
    assert (version(lakehouse, quarantine), version(lakehouse, target)) == versions
