"""SCD1 tombstones: a delete outlives its bronze row, every commit path, whole tables compared.

Like test_loaders_scd1.py, each case is a key of one bronze table loaded three times (load n gets
the case's batch n, its last once it has no more), then once more with nothing new. A batch
without the delete is bronze compacted after it was loaded.
"""

from __future__ import annotations

from typing import Any

import pytest

from integration.loader_support import (
    COMMITS,
    assert_table,
    bronze,
    fresh_schema,
    load,
    load_cases,
    row_for,
    version,
)
from integration.test_loaders_scd1 import BRONZE, CONFIG, SILVER, e
from medallion_orchestrator.loaders.tombstones import RECORDED
from medallion_orchestrator.runtime.lakehouse import Lakehouse, lakehouse_for

pytestmark = pytest.mark.spark

A1, DELETE_10, LATE_9 = e(1, "a", "x", 1), e(1, "a", "x", 10, True), e(1, "late", "x", 9)
CASES: dict[str, tuple[list[list[tuple[Any, ...]]], list[tuple[Any, ...]]]] = {
    "a_late_upsert_after_the_delete_was_compacted_stays_deleted": (
        [[A1, DELETE_10], [LATE_9]],
        [],
    ),
    "a_late_upsert_after_a_compacted_delete_of_an_unknown_key_stays_deleted": (
        [[DELETE_10], [LATE_9]],
        [],
    ),
    "a_newer_delete_moves_the_tombstone": (
        [[A1, DELETE_10], [e(1, "a", "x", 20, True)], [e(1, "late", "x", 15)]],
        [],
    ),
    "a_key_back_after_its_delete_is_kept_and_drops_its_tombstone": (
        [[A1, DELETE_10], [e(1, "b", "x", 12)], [LATE_9]],
        [(1, "b", "x", 12)],
    ),
}
# the tombstones left: case, id, the delete's sequence
TOMBSTONES = [
    ("a_late_upsert_after_the_delete_was_compacted_stays_deleted", 1, 10),
    ("a_late_upsert_after_a_compacted_delete_of_an_unknown_key_stays_deleted", 1, 10),
    ("a_newer_delete_moves_the_tombstone", 1, 20),
]


@pytest.fixture(scope="module", params=COMMITS)
def cases(spark, request) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    schema = fresh_schema("tombstone_cases")
    source, target = f"dev_bronze.{schema}.customers", f"dev_silver.{schema}.customers"
    row = row_for(source, target, "scd1", ["case", "id"], CONFIG)
    lakehouse, tombstones = lakehouse_for(spark), f"{target}__tombstones"
    loads = load_cases(lakehouse, row, CASES, BRONZE, 3, request.param)
    kept = version(lakehouse, tombstones)
    load(lakehouse, row)
    return {**loads, "tombstones": tombstones, "kept": (kept, version(lakehouse, tombstones))}


@pytest.mark.parametrize("case", list(CASES))
def test_a_delete_is_kept_after_bronze_lost_it(cases: dict[str, Any], case: str) -> None:
    expected = [(case, *row) for row in CASES[case][1]]
    assert_table(cases["lakehouse"], cases["target"], expected, SILVER, f"`case` = '{case}'")


def test_the_tombstones_left_and_a_rerun_commits_nothing(cases: dict[str, Any]) -> None:
    lakehouse, tombstones = cases["lakehouse"], cases["tombstones"]
    table = lakehouse.spark.table(lakehouse.table_of(tombstones)).drop("recorded_at")
    expected = lakehouse.spark.createDataFrame(TOMBSTONES, "case STRING, id INT, sequence INT")
    assert sorted(map(tuple, table.collect())) == sorted(map(tuple, expected.collect()))
    assert (cases["after"], cases["rerun"].rows_written) == (cases["before"], 0)
    before, after = cases["kept"]
    assert before == after


def test_a_tombstone_past_its_retention_is_cleaned_up(lakehouse: Lakehouse, unique: str) -> None:
    source, target = f"dev_bronze.{unique}.customers", f"dev_silver.{unique}.customers"
    row = row_for(
        source, target, "scd1", ["case", "id"], {**CONFIG, "tombstone_retention_seconds": 60}
    )
    tombstones = f"{target}__tombstones"
    bronze(lakehouse, source, [("c", *A1), ("c", *DELETE_10)], BRONZE)
    load(lakehouse, row)
    assert lakehouse.spark.table(lakehouse.table_of(tombstones)).count() == 1
    lakehouse.sql(  # recorded two minutes ago, past its 60 s: no waiting for the clock
        f"UPDATE {tombstones} SET {RECORDED} = {RECORDED} - INTERVAL 2 MINUTES"
    )
    bronze(lakehouse, source, [("c", *e(2, "b", "y", 3))], BRONZE)
    load(lakehouse, row)
    assert lakehouse.spark.table(lakehouse.table_of(tombstones)).count() == 0
    before = version(lakehouse, tombstones)
    bronze(lakehouse, source, [("c", *LATE_9)], BRONZE)
    load(lakehouse, row)  # nothing remembers the delete: the late upsert is applied (AUTO CDC too)
    assert version(lakehouse, tombstones) == before
    assert_table(lakehouse, target, [("c", 1, "late", "x", 9), ("c", 2, "b", "y", 3)], SILVER)
