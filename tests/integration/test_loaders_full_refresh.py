"""`--full-refresh TABLE` of the other silver loaders it applies to, whole tables compared.

A snapshot target (AUTO CDC FROM SNAPSHOT, Databricks' documented snapshots) whose snapshot 3
turned out bad and was removed from bronze is rebuilt from snapshots 1 and 2: its rows, and its
applied version, go back to 2; a corrected snapshot 3 then applies as usual. Every commit path.
An incremental merge, which never deletes, is rebuilt from the rows bronze holds now. Both
replace the target's rows in one data commit, keep its comment and properties, leave no scratch
table, and a rerun after them commits nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest

from integration.loader_support import assert_table, bronze, committing, row_for, version
from integration.test_loaders_snapshot import (
    PATHS,
    SCD2_AFTER_2,
    SCD2_AFTER_3,
    SNAPSHOT_1,
    SNAPSHOT_2,
    SNAPSHOT_3,
    VERSIONED,
    assert_target,
    snapshot_row,
    versioned,
)
from medallion_orchestrator.loaders.dispatch import load_dimension, load_incremental
from medallion_orchestrator.loaders.full_refresh import SCRATCH
from medallion_orchestrator.loaders.snapshot_state import applied_version
from medallion_orchestrator.runtime.lakehouse import Lakehouse

pytestmark = pytest.mark.spark

BAD_3 = [(2, "Carmel"), (3, "Los Angeles"), (4, "Nowhere"), (6, "Kings Canyon")]
SCD2_BAD_3 = [
    *[row for row in SCD2_AFTER_2 if row[0] != 4],
    (4, "Death Valley", 2, 3),
    (4, "Nowhere", 3, None),
]


def described(lakehouse: Lakehouse, table: str) -> tuple[str, str | None]:
    detail = lakehouse.spark.sql(f"DESCRIBE DETAIL {table}").first()
    assert detail is not None
    return detail["description"], detail["properties"].get("team")


@pytest.mark.parametrize("path", PATHS, ids=["-".join(path) for path in PATHS])
def test_a_snapshot_target_is_rebuilt_and_its_applied_version_reset(
    lakehouse: Lakehouse, unique: str, path: tuple[str, str]
) -> None:
    pipeline, how = path
    source = f"dev_bronze.{unique}.cities"
    row = snapshot_row(source, f"dev_silver.{unique}.cities", pipeline, True)
    target = lakehouse.table_of(row.destination)
    with committing(how):
        bad = versioned((1, SNAPSHOT_1), (2, SNAPSHOT_2), (3, BAD_3))
        bronze(lakehouse, source, bad, VERSIONED)
        load_dimension(lakehouse, row)
        assert_target(lakehouse, row, pipeline, BAD_3, SCD2_BAD_3)
        lakehouse.spark.sql(f"COMMENT ON TABLE {target} IS 'cities'")
        lakehouse.spark.sql(f"ALTER TABLE {target} SET TBLPROPERTIES ('team' = 'geo')")

        # snapshot 3 is removed from bronze: a full refresh rebuilds from 1 and 2
        bronze(lakehouse, source, versioned((1, SNAPSHOT_1), (2, SNAPSHOT_2)), VERSIONED)
        before = version(lakehouse, row.destination)
        result = load_dimension(lakehouse, row, full_refresh=True)
        assert result.message == f"fully refreshed: rebuilt from {source}"
        assert_target(lakehouse, row, pipeline, SNAPSHOT_2, SCD2_AFTER_2)
        # the rows' commit, then the applied version's
        assert version(lakehouse, row.destination) == before + 2
        assert applied_version(lakehouse, target) == "2"
        assert described(lakehouse, target) == ("cities", "geo")
        scratch = lakehouse.table_of(row.destination + SCRATCH)
        assert not lakehouse.spark.catalog.tableExists(scratch)
        before = version(lakehouse, row.destination)
        assert load_dimension(lakehouse, row).rows_written == 0
        assert version(lakehouse, row.destination) == before

        # the corrected snapshot 3 applies as usual
        fixed = versioned((1, SNAPSHOT_1), (2, SNAPSHOT_2), (3, SNAPSHOT_3))
        bronze(lakehouse, source, fixed, VERSIONED)
        load_dimension(lakehouse, row)
        assert_target(lakehouse, row, pipeline, SNAPSHOT_3, SCD2_AFTER_3)
        assert applied_version(lakehouse, target) == "3"


def test_an_incremental_merge_is_rebuilt_from_what_bronze_holds(
    lakehouse: Lakehouse, unique: str
) -> None:
    t1, t2 = dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 2)
    source, destination = f"dev_bronze.{unique}.orders", f"dev_silver.{unique}.orders"
    row = row_for(source, destination, "fact_incremental_merge", ["id"], {"watermark_column": "at"})
    schema = "id INT, amount INT, at TIMESTAMP"
    bronze(lakehouse, source, [(1, 10, t1), (2, 20, t1)], schema)
    load_incremental(lakehouse, row)
    bronze(lakehouse, source, [(2, 25, t2)], schema)  # row 1 was withdrawn from bronze
    load_incremental(lakehouse, row)
    assert_table(lakehouse, destination, [(1, 10, t1), (2, 25, t2)], schema)

    before = version(lakehouse, destination)
    result = load_incremental(lakehouse, row, full_refresh=True)

    assert result.rows_written == 1
    assert version(lakehouse, destination) == result.target_version == before + 1
    assert_table(lakehouse, destination, [(2, 25, t2)], schema)
    assert load_incremental(lakehouse, row).rows_written == 0
    assert version(lakehouse, destination) == before + 1


def test_the_rows_a_rebuild_quarantines_stay_the_table_s_once_each(
    lakehouse: Lakehouse, unique: str
) -> None:
    source, destination = f"dev_bronze.{unique}.users", f"dev_silver.{unique}.users"
    quarantine = f"dev_silver.{unique}.quarantine"
    config = {"sequence_by": "seq", "quarantine_table": quarantine}
    row = row_for(source, destination, "scd1", ["id"], config)
    schema = "id INT, name STRING, seq INT"
    bronze(lakehouse, source, [(1, "Ann", 1), (None, "nobody", 1)], schema)
    load_dimension(lakehouse, row)
    bronze(lakehouse, source, [(1, "Ann", 1), (None, "nobody", 1), (None, "new", 2)], schema)

    load_dimension(lakehouse, row, full_refresh=True)

    assert_table(lakehouse, destination, [(1, "Ann", 1)], schema)
    kept = lakehouse.spark.table(lakehouse.table_of(quarantine)).select("target_table", "row_json")
    assert sorted(tuple(r) for r in kept.collect()) == [
        (destination, '{"name":"new","seq":2}'),
        (destination, '{"name":"nobody","seq":1}'),
    ]
