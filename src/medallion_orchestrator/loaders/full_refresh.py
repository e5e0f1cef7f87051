"""A full refresh of one silver table (`medallion run --full-refresh TABLE`), as a Databricks
pipeline's `full_refresh_selection` refreshes the tables it names: the target is rebuilt from
nothing, from its initial hydrate snapshot (hydrate.py) and its whole change feed, and what the
target kept of its past loads is reset (its snapshot version, its hydrate record, its
tombstones).

How, so that a failed or interrupted refresh leaves the target as it was: the row's own loader
builds the table afresh in a scratch table beside it (`<table>__full_refresh`, with its own
tombstones; what it quarantines and says names the target); then one commit replaces every row
of the target with the scratch's (an overwrite `replaceWhere true` with `mergeSchema`: a data
commit, which keeps the target's comment, properties and clustering; a bronze type change the
target cannot hold overwrites the schema instead, its other columns kept); then the target's state
properties and tombstones are set to the scratch's (one more commit, only when they differ), and
the scratch tables are dropped. A failure before the replacing commit leaves the target at its
version. One between the two commits leaves the rebuilt rows with the old state: a missing
hydrate record is caught up by the next load (the snapshot's rows change nothing), but a
snapshot version the refresh lowered (snapshots removed from the source) stays ahead of the
rows: refresh again. A target that does not exist yet is simply loaded: its first load is full.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from medallion_orchestrator.loaders import hydrate, snapshot_state, tombstones
from medallion_orchestrator.loaders.common import LoadResult, latest_version
from medallion_orchestrator.loaders.schema import holds
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.loaders.table_settings import set_properties
from medallion_orchestrator.loaders.uncommitted import leaving_no_uncommitted_target

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

SCRATCH = "__full_refresh"
STATE_PROPERTIES = (snapshot_state.PROPERTY, hydrate.PROPERTY)


def fully_refreshed(
    lakehouse: Lakehouse, spec: LoadSpec, load: Callable[[Lakehouse, LoadSpec], LoadResult]
) -> LoadResult:
    spark = lakehouse.spark
    target = spec.target(lakehouse)
    if not spark.catalog.tableExists(target):
        return load(lakehouse, spec)
    scratch = spec.writing(SCRATCH)  # its messages and quarantined rows name the target
    _drop(lakehouse, scratch)  # what an interrupted refresh left
    try:
        with leaving_no_uncommitted_target(lakehouse, scratch):
            load(lakehouse, scratch)
        rebuilt = spark.table(scratch.target(lakehouse))
        rows = rebuilt.count()
        _replace_rows(rebuilt, target)
        _reset_state(lakehouse, scratch.target(lakehouse), target)
        _reset_tombstones(lakehouse, scratch, spec)
    finally:
        _drop(lakehouse, scratch)
    message = f"fully refreshed: rebuilt from {spec.source}"
    if snapshot := spec.cdc.initial_hydrate_source:
        message += f" and its initial hydrate {snapshot}"
    return LoadResult(spec.destination, rows, latest_version(lakehouse, target), message)


def _replace_rows(rebuilt: DataFrame, target: str) -> None:
    """One data commit: every row of `target` replaced by `rebuilt`'s, columns added. A column
    whose type the target cannot hold (a bronze type change, schema.check_target_holds) takes
    the rebuilt type: the schema is overwritten, the target's other columns kept, NULL. Names
    match regardless of case, as Spark's and Delta's do."""
    from pyspark.sql import functions as F

    stored = {f.name.lower(): f for f in rebuilt.sparkSession.table(target).schema}
    types = [(stored.get(f.name.lower()), f.dataType) for f in rebuilt.schema]
    if all(holds(old.dataType, new) for old, new in types if old is not None):
        writer = rebuilt.write.format("delta").mode("overwrite").option("replaceWhere", "true")
        writer.option("mergeSchema", "true").saveAsTable(target)
        return
    present = {column.lower() for column in rebuilt.columns}
    kept = [
        F.lit(None).cast(f.dataType).alias(f.name)
        for low, f in stored.items()
        if low not in present
    ]
    rows = rebuilt.select("*", *kept)
    rows.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(
        target
    )


def _reset_state(lakehouse: Lakehouse, scratch: str, target: str) -> None:
    """The target's state properties become the rebuilt table's: set, or removed."""
    kept = {
        name: snapshot_state.table_property(lakehouse, scratch, name) for name in STATE_PROPERTIES
    }
    had = {
        name: snapshot_state.table_property(lakehouse, target, name) for name in STATE_PROPERTIES
    }
    changed = {
        name: value for name, value in kept.items() if value is not None and had[name] != value
    }
    if changed:
        set_properties(lakehouse, target, changed)
    if gone := [name for name, value in kept.items() if value is None and had[name] is not None]:
        listed = ", ".join(f"'{name}'" for name in gone)
        lakehouse.spark.sql(f"ALTER TABLE {target} UNSET TBLPROPERTIES ({listed})")


def _reset_tombstones(lakehouse: Lakehouse, scratch: LoadSpec, spec: LoadSpec) -> None:
    """The target's tombstones become the rebuilt table's (none: the table is dropped)."""
    spark = lakehouse.spark
    kept, had = _tombstones_of(lakehouse, scratch), _tombstones_of(lakehouse, spec)
    if spark.catalog.tableExists(kept):
        writer = spark.table(kept).write.format("delta").mode("overwrite")
        writer.option("overwriteSchema", "true").saveAsTable(had)
    else:
        spark.sql(f"DROP TABLE IF EXISTS {had}")


def _drop(lakehouse: Lakehouse, scratch: LoadSpec) -> None:
    for table in (scratch.target(lakehouse), _tombstones_of(lakehouse, scratch)):
        lakehouse.spark.sql(f"DROP TABLE IF EXISTS {table}")


def _tombstones_of(lakehouse: Lakehouse, spec: LoadSpec) -> str:
    return spec.writing(tombstones.SUFFIX).target(lakehouse)
