"""Snapshot CDC (AUTO CDC FROM SNAPSHOT) on Databricks' documented example, every commit path.

Snapshot 1 holds 1 Oaxaca, 2 Monterrey, 3 Tijuana; snapshot 2 holds 2 Carmel, 3 Los Angeles,
4 Death Valley, 6 Kings Canyon: key 1 is deleted, 2 and 3 change, 4 and 6 are new. One target
gets both snapshots in one run, another one run each; then a late snapshot with one changing a
key, a rerun and a load whose commit fails. A third target takes the same snapshots as a
periodic source (no version column), compared with the target on each run.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from integration.loader_support import (
    PATHS,
    assert_table,
    bronze,
    committing,
    row_for,
    version,
)
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders import commit
from medallion_orchestrator.loaders.dispatch import load_dimension
from medallion_orchestrator.loaders.snapshot_state import applied_version
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.runtime.lakehouse import Lakehouse

pytestmark = pytest.mark.spark

VERSIONED = "id INT, city STRING, snapshot INT"
CITIES = "id INT, city STRING"
SNAPSHOT_1 = [(1, "Oaxaca"), (2, "Monterrey"), (3, "Tijuana")]
SNAPSHOT_2 = [(2, "Carmel"), (3, "Los Angeles"), (4, "Death Valley"), (6, "Kings Canyon")]
SNAPSHOT_3 = [(2, "Carmel"), (3, "Los Angeles"), (4, "Furnace Creek"), (6, "Kings Canyon")]
LATE_0 = [(5, "Fresno")]
# SCD2 in AUTO CDC's columns: id, city, __START_AT, __END_AT (snapshot versions)
SCD2_AFTER_2 = [
    (1, "Oaxaca", 1, 2),
    (2, "Monterrey", 1, 2),
    (2, "Carmel", 2, None),
    (3, "Tijuana", 1, 2),
    (3, "Los Angeles", 2, None),
    (4, "Death Valley", 2, None),
    (6, "Kings Canyon", 2, None),
]
SCD2_AFTER_3 = [
    *[row for row in SCD2_AFTER_2 if row[0] != 4],
    (4, "Death Valley", 2, 3),
    (4, "Furnace Creek", 3, None),
]


def versioned(*snapshots: tuple[int, list[tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
    return [(*row, number) for number, rows in snapshots for row in rows]


def snapshot_row(source: str, target: str, pipeline: str, version: bool) -> TaskRow:
    config: dict[str, Any] = {"history_columns": "auto_cdc"} if pipeline == "scd2" else {}
    if version:
        config["snapshot_version_column"] = "snapshot"
    return row_for(source, target, f"{pipeline}_snapshot", ["id"], config)


def assert_target(lakehouse: Lakehouse, row: TaskRow, pipeline: str, scd1: Any, scd2: Any) -> None:
    if pipeline == "scd1":
        assert_table(lakehouse, row.destination, scd1, CITIES)
    else:
        history = f"{CITIES}, __START_AT INT, __END_AT INT"
        assert_table(lakehouse, row.destination, scd2, history)


@pytest.mark.parametrize("path", PATHS, ids=["-".join(path) for path in PATHS])
def test_the_documented_snapshots(
    lakehouse: Lakehouse, unique: str, path: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline, how = path
    source = f"dev_bronze.{unique}.cities"
    together = snapshot_row(source, f"dev_silver.{unique}.together", pipeline, True)
    one_by_one = snapshot_row(source, f"dev_silver.{unique}.one_by_one", pipeline, True)
    target = lakehouse.table_of(one_by_one.destination)
    with committing(how):
        bronze(lakehouse, source, versioned((1, SNAPSHOT_1)), VERSIONED)
        load_dimension(lakehouse, one_by_one)
        bronze(lakehouse, source, versioned((1, SNAPSHOT_1), (2, SNAPSHOT_2)), VERSIONED)
        assert load_dimension(lakehouse, together).message.startswith("snapshot(s) 1, 2 applied")
        assert load_dimension(lakehouse, one_by_one).message.startswith("snapshot(s) 2 applied")
        for row in (together, one_by_one):
            assert_target(lakehouse, row, pipeline, SNAPSHOT_2, SCD2_AFTER_2)
            assert applied_version(lakehouse, lakehouse.table_of(row.destination)) == "2"

        # a late snapshot (0) is skipped and named; snapshot 3 changes key 4 only
        late = versioned((0, LATE_0), (1, SNAPSHOT_1), (2, SNAPSHOT_2), (3, SNAPSHOT_3))
        bronze(lakehouse, source, late, VERSIONED)
        changed = load_dimension(lakehouse, one_by_one).message
        written = "0 inserted, 1 updated" if pipeline == "scd1" else "1 inserted, 1 updated"
        skipped = "older than the applied 2, skipped: 0, 1"
        assert re.fullmatch(
            rf"snapshot\(s\) 3 applied: \w+: {written}, 0 deleted; {skipped}", changed
        ), changed
        assert_target(lakehouse, one_by_one, pipeline, SNAPSHOT_3, SCD2_AFTER_3)

        # a rerun with no new snapshot commits nothing
        before = version(lakehouse, one_by_one.destination)
        rerun = load_dimension(lakehouse, one_by_one)
        skipped = "older than the applied 3, skipped: 0, 1, 2"
        assert rerun.message == f"unchanged: no snapshot newer than 3; {skipped}"
        assert (rerun.rows_written, version(lakehouse, one_by_one.destination)) == (0, before)

        # a load whose commit fails leaves the target, and its applied version, as they were
        bronze(lakehouse, source, [*late, *versioned((4, SNAPSHOT_1))], VERSIONED)

        def failing(*_: Any) -> None:
            raise RuntimeError("the commit failed")

        monkeypatch.setattr(commit, "_merge" if how == "merge" else "_rewrite", failing)
        with pytest.raises(RuntimeError, match="the commit failed"):
            load_dimension(lakehouse, one_by_one)
    assert (version(lakehouse, one_by_one.destination), applied_version(lakehouse, target)) == (
        before,
        "3",
    )
    assert_target(lakehouse, one_by_one, pipeline, SNAPSHOT_3, SCD2_AFTER_3)


@pytest.mark.parametrize("path", PATHS, ids=["-".join(path) for path in PATHS])
def test_a_periodic_snapshot_is_compared_with_the_target_on_each_run(
    lakehouse: Lakehouse, unique: str, path: tuple[str, str]
) -> None:
    pipeline, how = path
    source = f"dev_bronze.{unique}.cities"
    row = snapshot_row(source, f"dev_silver.{unique}.cities", pipeline, False)
    with committing(how):
        bronze(lakehouse, source, SNAPSHOT_1, CITIES)
        load_dimension(lakehouse, row)
        bronze(lakehouse, source, SNAPSHOT_2, CITIES)
        load_dimension(lakehouse, row)
        before = version(lakehouse, row.destination)
        assert load_dimension(lakehouse, row).rows_written == 0
    assert version(lakehouse, row.destination) == before
    table = lakehouse.spark.table(lakehouse.table_of(row.destination))
    assert applied_version(lakehouse, lakehouse.table_of(row.destination)) is None
    if pipeline == "scd1":
        assert_table(lakehouse, row.destination, SNAPSHOT_2, CITIES)
        return
    # SCD2: versions stamped with the load's time; named here 1 and 2 by the load that made them
    times = sorted({r["__START_AT"] for r in table.collect()})
    runs = {time: number for number, time in enumerate(times, start=1)}
    loaded = [
        (r["id"], r["city"], runs[r["__START_AT"]], runs.get(r["__END_AT"]))
        for r in table.collect()
    ]
    assert sorted(loaded, key=str) == sorted(SCD2_AFTER_2, key=str)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            versioned((1, SNAPSHOT_1), (2, [*SNAPSHOT_2, (3, "Los Angeles")])),
            "snapshot 2 in dev_bronze.{schema}.cities has several rows for key (id=3); a key "
            "is one row of a snapshot",
        ),
        (
            [(1, "Oaxaca", None), (2, "Carmel", 2)],
            "NULL in snapshot_version_column snapshot (1 row(s)) of dev_bronze.{schema}.cities",
        ),
    ],
    ids=["a_key_twice_in_one_snapshot", "a_null_version"],
)
def test_a_malformed_snapshot_fails_naming_the_key_and_commits_nothing(
    lakehouse: Lakehouse, unique: str, rows: list[Any], message: str
) -> None:
    source, target = f"dev_bronze.{unique}.cities", f"dev_silver.{unique}.cities"
    row = snapshot_row(source, target, "scd1", True)
    bronze(lakehouse, source, rows, VERSIONED)
    with pytest.raises(LoadError, match=re.escape(message.format(schema=unique))):
        load_dimension(lakehouse, row)
    assert version(lakehouse, target) is None
