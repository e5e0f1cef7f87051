"""Fact overwrite, incremental merge (watermark), and schema drift through every merging loader."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from integration.loader_support import (
    COMMITS,
    IS_CURRENT,
    assert_table,
    bronze,
    committing,
    load,
    row_for,
    version,
)
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders import commit
from medallion_orchestrator.runtime.lakehouse import Lakehouse

pytestmark = pytest.mark.spark

T1, T2, T3 = (dt.datetime(2024, 3, day, 2) for day in (1, 2, 3))
PAYMENTS = "id INT, amount INT, status STRING, _deleted BOOLEAN"
ORDERS = "order_id INT, amount INT, updated_at TIMESTAMP, _deleted BOOLEAN"
WATERMARK = {
    "watermark_column": "updated_at",
    "delete_condition": "_deleted = true",
    "exclude_columns": ["_deleted"],
}


def overwrite_row(unique: str, **config: Any):  # type: ignore[no-untyped-def]
    source, target = f"dev_bronze.{unique}.payments", f"dev_silver.{unique}.payments"
    base = {"delete_condition": "_deleted = true", "exclude_columns": ["_deleted"]}
    return source, target, row_for(source, target, "fact_overwrite", [], {**base, **config})


def test_fact_overwrite_replaces_the_table_and_an_identical_rerun_commits_nothing(
    lakehouse: Lakehouse, unique: str
) -> None:
    source, target, row = overwrite_row(unique)
    bronze(lakehouse, source, [(1, 10, "paid", False), (2, 20, "paid", False)], PAYMENTS)
    load(lakehouse, row)
    day2 = [(2, 25, "refunded", False), (3, 30, "paid", False), (4, 40, "paid", True)]
    bronze(lakehouse, source, day2, PAYMENTS)
    result = load(lakehouse, row)
    assert (result.rows_written, result.message) == (2, "overwritten")
    expected = [(2, 25, "refunded"), (3, 30, "paid")]
    assert_table(lakehouse, target, expected, "id INT, amount INT, status STRING")
    before = version(lakehouse, target)
    bronze(lakehouse, source, list(reversed(day2)), PAYMENTS)
    assert load(lakehouse, row).message.startswith("unchanged")
    assert version(lakehouse, target) == before


def test_fact_overwrite_applies_a_schema_change_when_the_row_allows_it(
    lakehouse: Lakehouse, unique: str
) -> None:
    """Refused (the default): see test_loaders_failures.py."""
    source, target, row = overwrite_row(unique, allow_schema_change=True)
    bronze(lakehouse, source, [(1, 10, "paid", False)], PAYMENTS)
    load(lakehouse, row)
    changed = "id INT, amount BIGINT, fee INT, _deleted BOOLEAN"  # +fee, -status, amount type
    bronze(lakehouse, source, [(1, 10, 1, False), (2, 20, 2, True)], changed)
    assert load(lakehouse, row).message == "overwritten (schema changed)"
    actual = lakehouse.spark.table(lakehouse.table_of(target))
    assert actual.schema.simpleString() == "struct<id:int,amount:bigint,fee:int>"
    assert [tuple(r) for r in actual.collect()] == [(1, 10, 1)]


def merge_row(unique: str, **config: Any):  # type: ignore[no-untyped-def]
    source, target = f"dev_bronze.{unique}.orders", f"dev_silver.{unique}.orders"
    row = row_for(source, target, "fact_incremental_merge", ["order_id"], {**WATERMARK, **config})
    return source, target, row


def test_incremental_merge_keeps_rows_that_share_the_committed_watermark(
    lakehouse: Lakehouse, unique: str
) -> None:
    source, target, row = merge_row(unique)
    day1 = [(1, 10, T1, False), (2, 20, T2, False)]
    bronze(lakehouse, source, day1, ORDERS)
    load(lakehouse, row)
    late_at_the_watermark = (3, 30, T2, False)
    day2 = [*day1, late_at_the_watermark, (1, 11, T3, False), (4, 40, T3, False)]
    bronze(lakehouse, source, day2, ORDERS)
    assert load(lakehouse, row).message.endswith(": 2 inserted, 1 updated, 0 deleted")
    expected = [(1, 11, T3), (2, 20, T2), (3, 30, T2), (4, 40, T3)]
    assert_table(lakehouse, target, expected, "order_id INT, amount INT, updated_at TIMESTAMP")
    before = version(lakehouse, target)
    rerun = load(lakehouse, row)
    assert (rerun.rows_written, version(lakehouse, target)) == (0, before)
    assert_table(lakehouse, target, expected, "order_id INT, amount INT, updated_at TIMESTAMP")


def test_incremental_merge_orders_rows_of_a_key_and_applies_deletes(
    lakehouse: Lakehouse, unique: str
) -> None:
    source, target, row = merge_row(unique)
    bronze(lakehouse, source, [(1, 10, T1, False), (2, 20, T1, False)], ORDERS)
    load(lakehouse, row)
    batch = [
        (1, 12, T3, False),
        (1, 11, T2, False),
        (2, 20, T2, True),
        (3, 30, T2, False),
        (3, 30, T2, False),
        (4, 40, T2, False),
        (4, 40, T3, True),
    ]
    bronze(lakehouse, source, batch, ORDERS)
    load(lakehouse, row)
    expected = [(1, 12, T3), (3, 30, T2)]
    assert_table(lakehouse, target, expected, "order_id INT, amount INT, updated_at TIMESTAMP")


@pytest.mark.parametrize(
    "failure", ["conflict_in_the_batch", "merge_fails_while_writing", "rewrite_fails_while_writing"]
)
def test_a_failed_incremental_merge_is_read_again_by_the_next_run(
    lakehouse: Lakehouse, unique: str, failure: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target, row = merge_row(unique)
    day1 = [(1, 10, T1, False)]
    bronze(lakehouse, source, day1, ORDERS)
    load(lakehouse, row)
    before = version(lakehouse, target)
    day2 = [*day1, (2, 20, T2, False), (3, 30, T3, False)]
    if failure == "conflict_in_the_batch":
        bronze(lakehouse, source, [*day2, (3, 31, T3, False)], ORDERS)
        with pytest.raises(LoadError, match=r"different rows for key \(order_id=3\)"):
            load(lakehouse, row)
    else:
        from pyspark.sql import DataFrameWriterV2

        bronze(lakehouse, source, day2, ORDERS)
        how = failure.split("_", maxsplit=1)[0]
        with monkeypatch.context() as patch, committing(how):
            patch.setattr(commit, "_merge", _fail)
            patch.setattr(DataFrameWriterV2, "overwrite", _fail)
            with pytest.raises(RuntimeError, match="disk full"):
                load(lakehouse, row)
    assert version(lakehouse, target) == before
    bronze(lakehouse, source, day2, ORDERS)
    load(lakehouse, row)
    expected = [(1, 10, T1), (2, 20, T2), (3, 30, T3)]
    assert_table(lakehouse, target, expected, "order_id INT, amount INT, updated_at TIMESTAMP")


def _fail(self: object, *_: object) -> None:
    raise RuntimeError("disk full")


# Schema drift: `note` leaves bronze, `email` arrives, `secret` is excluded throughout.
DAY1 = "id INT, name STRING, note STRING, secret STRING, seq INT"
DAY2 = "id INT, name STRING, email STRING, secret STRING, seq INT"
DRIFTED = "id INT, name STRING, note STRING, email STRING, seq INT"
DRIFT_EXPECTED: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
    # Upserts: an update keeps the dropped column's value; a new row has NULL in it.
    "scd1": (
        DRIFTED,
        [(1, "a2", "n1", "a@x", 2), (2, "b", "n2", "b@x", 2), (3, "c", None, "c@x", 2)],
    ),
    "fact_incremental_merge": (
        DRIFTED,
        [(1, "a2", "n1", "a@x", 2), (2, "b", "n2", "b@x", 2), (3, "c", None, "c@x", 2)],
    ),
    # SCD2: a new version has NULL in the dropped column; the column's arrival is no change,
    # so key 2 is updated in place and keeps its note.
    "scd2": (
        f"{DRIFTED}, effective_from INT, effective_to INT",
        [
            (1, "a", "n1", None, 1, 1, 2),
            (1, "a2", None, "a@x", 2, 2, None),
            (2, "b", "n2", "b@x", 2, 1, None),
            (3, "c", None, "c@x", 2, 2, None),
        ],
    ),
}


@pytest.mark.parametrize("how", COMMITS)
@pytest.mark.parametrize("pipeline", list(DRIFT_EXPECTED))
def test_schema_drift_adds_new_columns_keeps_dropped_ones_and_never_copies_excluded(
    lakehouse: Lakehouse, unique: str, pipeline: str, how: str
) -> None:
    source, target = f"dev_bronze.{unique}.customers", f"dev_silver.{unique}.customers"
    config = {"sequence_column": "seq", "watermark_column": "seq", "exclude_columns": ["secret"]}
    if pipeline != "fact_incremental_merge":
        del config["watermark_column"]
    row = row_for(source, target, pipeline, ["id"], config)
    bronze(lakehouse, source, [(1, "a", "n1", "s", 1), (2, "b", "n2", "s", 1)], DAY1)
    load(lakehouse, row)
    day2 = [(1, "a2", "a@x", "s", 2), (2, "b", "b@x", "s", 2), (3, "c", "c@x", "s", 2)]
    bronze(lakehouse, source, day2, DAY2)
    with committing(how):
        load(lakehouse, row)
    schema, expected = DRIFT_EXPECTED[pipeline]
    derive = IS_CURRENT if pipeline == "scd2" else None
    assert_table(lakehouse, target, expected, schema, derive=derive)
