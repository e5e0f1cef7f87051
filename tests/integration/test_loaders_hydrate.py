"""Initial hydrate (AUTO CDC's once flow) and `--full-refresh TABLE`, under every commit path,
whole tables compared.

A target starts from a one-time snapshot (the keys 1-3 at sequence 5), then its change feed
applies on top: an update older than the snapshot's row loses to it, newer ones win, a delete
removes a key. A rerun commits nothing and never reads the snapshot again, even once it has
changed; a load stopped between its data commit and its hydrate record is caught up by the
next; a failed commit leaves the target and its record as they were. A full refresh rebuilds
the target from the snapshot as it is now and the whole feed in one commit, resetting the
tombstones; a failed one leaves the target at its version.
"""

from __future__ import annotations

from typing import Any

import pytest

from integration.helpers import write_table
from integration.loader_support import (
    PATHS,
    assert_table,
    bronze,
    committing,
    row_for,
    version,
)
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders import commit, full_refresh, hydrate
from medallion_orchestrator.loaders.dispatch import load_dimension
from medallion_orchestrator.loaders.snapshot_state import table_property
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.runtime.lakehouse import Lakehouse

pytestmark = pytest.mark.spark

SNAPSHOT_SCHEMA = "id INT, name STRING, city STRING, seq INT"
FEED_SCHEMA = f"{SNAPSHOT_SCHEMA}, _deleted BOOLEAN"
SNAPSHOT = [(1, "Ann", "Oaxaca", 5), (2, "Bob", "Monterrey", 5), (3, "Cy", "Tijuana", 5)]
EVE = (5, "Eve", "Cancun", 5)  # added to the snapshot after it was applied
FEED_1 = [
    (1, "Ann", "Puebla", 2, False),  # older than the snapshot's row of key 1
    (2, "Bob", "Carmel", 7, False),
    (3, "Cy", "Tijuana", 8, True),
    (4, "Di", "Los Angeles", 6, False),
]
FAY_DELETED = (6, "Fay", "Merida", 10, True)  # a delete of a key never seen: a tombstone
FEED_2 = [*FEED_1, (2, "Bob", "Tijuana", 9, False), FAY_DELETED]

SCD1_AFTER_1 = [(1, "Ann", "Oaxaca", 5), (2, "Bob", "Carmel", 7), (4, "Di", "Los Angeles", 6)]
SCD1_AFTER_2 = [(1, "Ann", "Oaxaca", 5), (2, "Bob", "Tijuana", 9), (4, "Di", "Los Angeles", 6)]
SCD2_AFTER_1 = [
    (1, "Ann", "Puebla", 2, 2, 5),
    (1, "Ann", "Oaxaca", 5, 5, None),
    (2, "Bob", "Monterrey", 5, 5, 7),
    (2, "Bob", "Carmel", 7, 7, None),
    (3, "Cy", "Tijuana", 5, 5, 8),
    (4, "Di", "Los Angeles", 6, 6, None),
]
SCD2_AFTER_2 = [
    *[version for version in SCD2_AFTER_1 if version[2] != "Carmel"],
    (2, "Bob", "Carmel", 7, 7, 9),
    (2, "Bob", "Tijuana", 9, 9, None),
]
EXPECTED = {
    "scd1": (SCD1_AFTER_1, SCD1_AFTER_2, [*SCD1_AFTER_2, EVE]),
    "scd2": (SCD2_AFTER_1, SCD2_AFTER_2, [*SCD2_AFTER_2, (*EVE, 5, None)]),
}


def hydrated_row(unique: str, pipeline: str) -> TaskRow:
    config: dict[str, Any] = {
        "sequence_by": "seq",
        "apply_as_deletes": "_deleted = true",
        "except_column_list": ["_deleted"],
        "initial_hydrate_source": f"dev_bronze.{unique}.users_snapshot",
    }
    if pipeline == "scd2":
        config["history_columns"] = "auto_cdc"
    source, target = f"dev_bronze.{unique}.users_cdc", f"dev_silver.{unique}.users"
    return row_for(source, target, pipeline, ["id"], config)


def assert_target(lakehouse: Lakehouse, row: TaskRow, rows: list[tuple[Any, ...]]) -> None:
    history = ", __START_AT INT, __END_AT INT" if row.execution_pipeline == "scd2" else ""
    assert_table(lakehouse, row.destination, rows, SNAPSHOT_SCHEMA + history)


def tombstones(lakehouse: Lakehouse, row: TaskRow) -> list[tuple[Any, ...]]:
    table = lakehouse.table_of(row.destination + "__tombstones")
    if not lakehouse.spark.catalog.tableExists(table):
        return []
    return sorted(tuple(r) for r in lakehouse.spark.table(table).select("id", "sequence").collect())


def failing(*_: Any) -> None:
    raise RuntimeError("the commit failed")


@pytest.mark.parametrize("path", PATHS, ids=["-".join(path) for path in PATHS])
def test_the_snapshot_is_applied_once_then_the_feed_and_a_full_refresh_reloads_it(
    lakehouse: Lakehouse, unique: str, path: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline, how = path
    row = hydrated_row(unique, pipeline)
    after_1, after_2, refreshed = EXPECTED[pipeline]
    snapshot = row.cdc.initial_hydrate_source
    assert snapshot is not None
    target = lakehouse.table_of(row.destination)
    write_table(lakehouse, snapshot, SNAPSHOT, SNAPSHOT_SCHEMA)
    bronze(lakehouse, row.source, FEED_1, FEED_SCHEMA)
    with committing(how):
        # the first load's data commits, then it stops before recording the hydrate
        with monkeypatch.context() as patch:
            patch.setattr(hydrate, "set_properties", failing)
            with pytest.raises(RuntimeError, match="the commit failed"):
                load_dimension(lakehouse, row)
        assert_target(lakehouse, row, after_1)
        assert table_property(lakehouse, target, hydrate.PROPERTY) is None
        # the next load applies the snapshot again, which changes nothing, and records it
        data_version = version(lakehouse, row.destination)
        caught_up = load_dimension(lakehouse, row)
        assert caught_up.message.endswith(f"; initial hydrate from {snapshot} applied")
        # the record only
        assert version(lakehouse, row.destination) == caught_up.target_version == data_version + 1
        assert table_property(lakehouse, target, hydrate.PROPERTY) == snapshot
        assert_target(lakehouse, row, after_1)

        # the snapshot changes: later runs never read it, a rerun commits nothing
        write_table(lakehouse, snapshot, [*SNAPSHOT, EVE], SNAPSHOT_SCHEMA)
        before = version(lakehouse, row.destination)
        assert load_dimension(lakehouse, row).rows_written == 0
        assert version(lakehouse, row.destination) == before
        assert_target(lakehouse, row, after_1)

        # the feed goes on; a load whose commit fails leaves the target as it was
        bronze(lakehouse, row.source, FEED_2, FEED_SCHEMA)
        with monkeypatch.context() as patch:
            patch.setattr(commit, "_merge" if how == "merge" else "_rewrite", failing)
            with pytest.raises(RuntimeError, match="the commit failed"):
                load_dimension(lakehouse, row)
        assert version(lakehouse, row.destination) == before
        assert_target(lakehouse, row, after_1)
        load_dimension(lakehouse, row)
        assert_target(lakehouse, row, after_2)
        kept = [(3, 8), (6, 10)] if pipeline == "scd1" else []
        assert tombstones(lakehouse, row) == kept

        # bronze compacted Fay's delete away; a full refresh rebuilds from the snapshot as it is
        # now (Eve) and the whole feed, in one commit, and resets the tombstones
        bronze(lakehouse, row.source, [e for e in FEED_2 if e != FAY_DELETED], FEED_SCHEMA)
        before = version(lakehouse, row.destination)
        result = load_dimension(lakehouse, row, full_refresh=True)
        assert result.message == (
            f"fully refreshed: rebuilt from {row.source} and its initial hydrate {snapshot}"
        )
        assert version(lakehouse, row.destination) == result.target_version == before + 1
        assert_target(lakehouse, row, refreshed)
        assert table_property(lakehouse, target, hydrate.PROPERTY) == snapshot
        assert tombstones(lakehouse, row) == kept[:1]
        scratch = lakehouse.table_of(row.destination + full_refresh.SCRATCH)
        assert not lakehouse.spark.catalog.tableExists(scratch)
        # a rerun commits nothing
        before = version(lakehouse, row.destination)
        assert load_dimension(lakehouse, row).rows_written == 0
        assert version(lakehouse, row.destination) == before


@pytest.mark.parametrize("pipeline", ["scd1", "scd2"])
def test_a_failed_full_refresh_leaves_the_target_as_it_was(
    lakehouse: Lakehouse, unique: str, pipeline: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = hydrated_row(unique, pipeline)
    snapshot = row.cdc.initial_hydrate_source
    assert snapshot is not None
    write_table(lakehouse, snapshot, SNAPSHOT, SNAPSHOT_SCHEMA)
    bronze(lakehouse, row.source, FEED_1, FEED_SCHEMA)
    load_dimension(lakehouse, row)
    before = version(lakehouse, row.destination)
    scratch = lakehouse.table_of(row.destination + full_refresh.SCRATCH)

    # the rebuild fails: two different rows of key 4 at one sequence
    clash = [*FEED_1, (4, "Di", "Tucson", 6, False)]
    bronze(lakehouse, row.source, clash, FEED_SCHEMA)
    with pytest.raises(LoadError, match="4"):
        load_dimension(lakehouse, row, full_refresh=True)
    assert version(lakehouse, row.destination) == before
    assert_target(lakehouse, row, EXPECTED[pipeline][0])
    assert not lakehouse.spark.catalog.tableExists(scratch)

    # the commit replacing the rows fails
    bronze(lakehouse, row.source, FEED_2, FEED_SCHEMA)
    monkeypatch.setattr(full_refresh, "_replace_rows", failing)
    with pytest.raises(RuntimeError, match="the commit failed"):
        load_dimension(lakehouse, row, full_refresh=True)
    assert version(lakehouse, row.destination) == before
    assert_target(lakehouse, row, EXPECTED[pipeline][0])
    assert not lakehouse.spark.catalog.tableExists(scratch)


def test_a_snapshot_without_the_sequence_column_fails_naming_it(
    lakehouse: Lakehouse, unique: str
) -> None:
    row = hydrated_row(unique, "scd1")
    snapshot = row.cdc.initial_hydrate_source
    assert snapshot is not None
    write_table(lakehouse, snapshot, [(1, "Ann", "Oaxaca")], "id INT, name STRING, city STRING")
    bronze(lakehouse, row.source, FEED_1, FEED_SCHEMA)

    with pytest.raises(LoadError) as raised:
        load_dimension(lakehouse, row)
    assert str(raised.value) == (
        f"{row.destination}: initial_hydrate_source {snapshot} lacks column(s) seq: its rows "
        "need the keys and the sequence_by columns"
    )
    assert version(lakehouse, row.destination) is None
