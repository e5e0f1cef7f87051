"""How a load commits its changes: a rewrite when they reach every file of a plain table,
else a MERGE; one commit either way, and the same rows."""

from __future__ import annotations

import pytest

from integration.loader_support import (
    IS_CURRENT,
    assert_table,
    bronze,
    last_operation,
    load,
    row_for,
    version,
)
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.runtime.lakehouse import Lakehouse

pytestmark = pytest.mark.spark

BRONZE = "id INT, name STRING, seq INT"
CONFIG = {"sequence_column": "seq"}


def names(unique: str) -> tuple[str, str]:
    return f"dev_bronze.{unique}.customers", f"dev_silver.{unique}.customers"


def files(lakehouse: Lakehouse, target: str) -> set[str]:
    return set(lakehouse.spark.table(lakehouse.table_of(target)).inputFiles())


def test_changes_in_every_file_rewrite_the_table_in_one_commit(
    lakehouse: Lakehouse, unique: str
) -> None:
    source, target = names(unique)
    row = row_for(source, target, "scd1", ["id"], CONFIG)
    bronze(lakehouse, source, [(1, "a", 1), (2, "b", 1)], BRONZE)
    load(lakehouse, row)
    before, old_files = version(lakehouse, target), files(lakehouse, target)
    bronze(lakehouse, source, [(1, "a2", 2), (2, "b2", 2), (3, "c", 2)], BRONZE)
    result = load(lakehouse, row)
    assert result.message == "rewritten: 1 inserted, 2 updated, 0 deleted"
    assert (version(lakehouse, target), last_operation(lakehouse, target)) == (before + 1, "WRITE")
    assert not files(lakehouse, target) & old_files
    assert_table(lakehouse, target, [(1, "a2", 2), (2, "b2", 2), (3, "c", 2)], BRONZE)


def test_a_file_without_changes_keeps_the_merge_and_the_file(
    lakehouse: Lakehouse, unique: str
) -> None:
    source, target = names(unique)
    row = row_for(source, target, "scd2", ["id"], CONFIG)
    bronze(lakehouse, source, [(1, "a", 1)], BRONZE)
    load(lakehouse, row)
    bronze(lakehouse, source, [(1, "a", 1), (2, "b", 2)], BRONZE)
    assert load(lakehouse, row).message == "merged: 1 inserted, 0 updated, 0 deleted"
    untouched = files(lakehouse, target) - {
        lakehouse.spark.table(lakehouse.table_of(target))
        .where("id = 1")
        .select("_metadata.file_path")
        .first()[0]
    }
    bronze(lakehouse, source, [(1, "a2", 3), (2, "b", 2)], BRONZE)
    result = load(lakehouse, row)
    assert result.message == "merged: 1 inserted, 1 updated, 0 deleted"
    assert last_operation(lakehouse, target) == "MERGE"
    assert untouched and untouched <= files(lakehouse, target)
    expected = [(1, "a", 1, 1, 3), (1, "a2", 3, 3, None), (2, "b", 2, 2, None)]
    assert_table(
        lakehouse,
        target,
        expected,
        f"{BRONZE}, effective_from INT, effective_to INT",
        derive=IS_CURRENT,
    )


@pytest.mark.parametrize(
    "feature",
    ["delta.enableChangeDataFeed", "delta.enableDeletionVectors", "delta.enableRowTracking"],
)
def test_tables_whose_merge_writes_per_row_keep_the_merge(
    lakehouse: Lakehouse, unique: str, feature: str
) -> None:
    source, target = names(unique)
    row = row_for(source, target, "scd1", ["id"], CONFIG)
    bronze(lakehouse, source, [(1, "a", 1), (2, "b", 1)], BRONZE)
    load(lakehouse, row)
    table = lakehouse.table_of(target)
    lakehouse.spark.sql(f"ALTER TABLE {table} SET TBLPROPERTIES ('{feature}' = 'true')")
    bronze(lakehouse, source, [(1, "a2", 2), (2, "b2", 2)], BRONZE)
    assert load(lakehouse, row).message == "merged: 0 inserted, 2 updated, 0 deleted"
    assert last_operation(lakehouse, target) == "MERGE"
    assert_table(lakehouse, target, [(1, "a2", 2), (2, "b2", 2)], BRONZE)


def test_a_load_releases_what_it_kept(lakehouse: Lakehouse, unique: str) -> None:
    source, target = names(unique)
    row = row_for(source, target, "scd2", ["id"], CONFIG)
    bronze(lakehouse, source, [(1, "a", 1), (2, "b", 1)], BRONZE)
    load(lakehouse, row)
    context = lakehouse.spark.sparkContext._jsc.sc()  # type: ignore[union-attr]
    first_of_the_load = context.newRddId()
    bronze(lakehouse, source, [(1, "a2", 2), (2, "b", 1)], BRONZE)
    assert load(lakehouse, row).rows_written == 2
    ours = [
        info.id()
        for info in context.getRDDStorageInfo()
        if info.id() > first_of_the_load and not str(info.name()).startswith("Delta Table State")
    ]
    assert ours == []


@pytest.mark.parametrize("log", ["read", "unreadable"])
def test_the_reported_version_is_the_tables_newest(
    lakehouse: Lakehouse, unique: str, log: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from medallion_orchestrator.loaders import common

    if log == "unreadable":  # Spark Connect: no JVM, the history answers

        def no_jvm(*_: object) -> int:
            raise AttributeError("_jvm")

        monkeypatch.setattr(common, "version_from_log", no_jvm)
    source, target = names(unique)
    row = row_for(source, target, "scd1", ["id"], CONFIG)
    bronze(lakehouse, source, [(1, "a", 1)], BRONZE)
    assert load(lakehouse, row).target_version == version(lakehouse, target) == 0
    bronze(lakehouse, source, [(1, "a2", 2)], BRONZE)
    assert load(lakehouse, row).target_version == version(lakehouse, target) == 1
    assert load(lakehouse, row).target_version == 1
    if log == "read":
        from delta.tables import DeltaTable

        delta = DeltaTable.forName(lakehouse.spark, lakehouse.table_of(target))
        assert common.version_from_log(lakehouse.spark, delta) == 1


def test_a_rewrite_that_another_writer_overtook_fails_loudly(
    lakehouse: Lakehouse, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyspark.sql import DataFrameWriterV2

    source, target = names(unique)
    row = row_for(source, target, "scd1", ["id"], CONFIG)
    bronze(lakehouse, source, [(1, "a", 1)], BRONZE)
    load(lakehouse, row)
    table = lakehouse.table_of(target)
    overwrite = DataFrameWriterV2.overwrite

    def another_writer_first(self: DataFrameWriterV2, condition: object) -> None:
        lakehouse.spark.sql(f"INSERT INTO {table} VALUES (9, 'other', 9)")
        overwrite(self, condition)

    monkeypatch.setattr(DataFrameWriterV2, "overwrite", another_writer_first)
    bronze(lakehouse, source, [(1, "a2", 2)], BRONZE)
    with pytest.raises(LoadError, match=r"another writer committed to .* \(versions 1 to 2\)"):
        load(lakehouse, row)
