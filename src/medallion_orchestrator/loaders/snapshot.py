"""AUTO CDC FROM SNAPSHOT: `scd1_snapshot` and `scd2_snapshot` load a source of full snapshots.

With `snapshot_version_column`, the source holds versioned snapshots: a row's version names its
snapshot, as AUTO CDC's source function returns (snapshot, version). The snapshots newer than
the last one applied (snapshot_state) are applied in version order, all in one commit; older
ones are skipped and named in the load's message. Without it, the source is one periodic
snapshot, versioned by the load's time: each run compares it with the target.

A key is one row of a snapshot: a key twice in one snapshot fails the spec naming the key, a
NULL key fails it (or goes to `quarantine_table`). Each snapshot becomes change events against
the one before it (snapshot_changes), which the SCD1 and SCD2 loads apply like bronze events
sequenced by the version with deletes flagged: their column options, surrogate keys, history
columns and commit paths are used as they are. SCD2 versions start and end at snapshot versions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import (
    LoadResult,
    col,
    latest_version,
    literal,
    read_source,
    require_columns,
    without_excluded,
)
from medallion_orchestrator.loaders.keys import any_null, handle_null_keys, null_key_counts
from medallion_orchestrator.loaders.scd2 import scd2_from
from medallion_orchestrator.loaders.snapshot_changes import AT, GONE, RANK, snapshot_events
from medallion_orchestrator.loaders.snapshot_state import applied_version, record_version
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.loaders.staging import Cache
from medallion_orchestrator.loaders.upsert import upsert_latest
from medallion_orchestrator.metadata.cdc_config import CdcSourceConfig

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

Apply = Callable[["Lakehouse", LoadSpec, "DataFrame"], LoadResult]
SHOWN = 5  # skipped versions named in the message
_ROWS = "__medallion_rows"
# Options the snapshot load applies itself before the events reach the SCD load.
_APPLIED_HERE = ("snapshot_version_column", "column_mapping", "include_columns", "quarantine_table")


def load_scd1_snapshot(lakehouse: Lakehouse, spec: LoadSpec) -> LoadResult:
    def apply(lakehouse: Lakehouse, feed: LoadSpec, events: DataFrame) -> LoadResult:
        with Cache() as cache:
            keys = list(feed.keys)
            return upsert_latest(lakehouse, feed, events, keys, (AT,), cache)

    return _load(lakehouse, spec, apply, history=False)


def load_scd2_snapshot(lakehouse: Lakehouse, spec: LoadSpec) -> LoadResult:
    return _load(lakehouse, spec, scd2_from, history=True)


@dataclass(frozen=True)
class Pending:
    """The snapshots to apply, in version order (values and their text), and older ones."""

    versions: list[Any]
    texts: list[str]
    older: list[str]
    applied: str | None  # the version applied before this load, as recorded

    def skipped(self) -> str:
        if not self.older:
            return ""
        shown = ", ".join(self.older[:SHOWN])
        more = f" and {len(self.older) - SHOWN} more" if len(self.older) > SHOWN else ""
        return f"; older than the applied {self.applied}, skipped: {shown}{more}"


def _load(lakehouse: Lakehouse, spec: LoadSpec, apply: Apply, history: bool) -> LoadResult:
    from pyspark.sql import functions as F

    keys = list(spec.keys)
    version = spec.cdc.snapshot_version_column
    target = spec.target(lakehouse)
    source = read_source(lakehouse, spec)
    require_columns(source, keys, spec, "key")
    require_columns(source, [version] if version else [], spec, "snapshot version")
    source = without_excluded(source, spec, keep=(*keys, *([version] if version else [])))
    attributes = [c for c in source.columns if c not in keys and c != version]
    if version is None:
        pending = Pending([], [], [], None)  # one snapshot, the source, at the load's time
        versions, rank = F.array(F.current_timestamp()), F.lit(1)
    else:
        pending = _pending(source, spec, version, applied_version(lakehouse, target))
        if not pending.versions:
            newer = f"newer than {pending.applied}" if pending.applied else "in the source"
            return LoadResult(
                spec.destination,
                0,
                latest_version(lakehouse, target),
                f"unchanged: no snapshot {newer}{pending.skipped()}",
            )
        kind = source.schema[version].dataType
        values = [literal(value, kind) for value in pending.versions]
        source = source.where(col(version).isin(*values))  # older snapshots are not read
        versions = F.array(*values)
        rank = F.array_position(versions, col(version))
    with Cache() as cache:
        ranked = source.withColumn(RANK, rank)
        _check_keys(lakehouse, spec, source, ranked, keys, pending)
        ranked = ranked.where(~any_null(keys))
        previous = _current(lakehouse, spec, target, history)
        events = cache.keep(snapshot_events(ranked, previous, keys, attributes, versions))
        result = apply(lakehouse, _change_feed(spec), events)
    if version is None:
        return result
    record_version(lakehouse, target, pending.texts[-1])
    applied = f"snapshot(s) {', '.join(pending.texts)} applied: {result.message}"
    return replace(
        result,
        target_version=latest_version(lakehouse, target),
        message=applied + pending.skipped(),
    )


def _pending(source: DataFrame, spec: LoadSpec, version: str, applied: str | None) -> Pending:
    """The source's snapshot versions against the applied one, in one small aggregation; a
    NULL version fails the spec."""
    from pyspark.sql import functions as F

    last = F.lit(applied).cast(source.schema[version].dataType)
    rows = (
        source.groupBy(col(version))
        .agg(
            F.count(F.lit(1)).alias(_ROWS),
            F.first(col(version).cast("string")).alias("text"),
            F.first(F.coalesce(col(version) > last, F.lit(True))).alias("newer"),
            F.first(F.coalesce(col(version) < last, F.lit(False))).alias("older"),
        )
        .collect()
    )
    if nulls := sum(row[_ROWS] for row in rows if row[0] is None):
        raise LoadError(
            f"{spec.destination}: NULL in snapshot_version_column {version} ({nulls} row(s)) "
            f"of {spec.source}"
        )
    ordered = sorted(rows, key=lambda row: row[0])
    newer = [row for row in ordered if row["newer"]]
    older = [row["text"] for row in ordered if row["older"]]
    return Pending([row[0] for row in newer], [row["text"] for row in newer], older, applied)


def _check_keys(
    lakehouse: Lakehouse,
    spec: LoadSpec,
    source: DataFrame,
    ranked: DataFrame,
    keys: list[str],
    pending: Pending,
) -> None:
    """NULL keys fail the spec (or are quarantined); a key twice in one snapshot fails it."""
    from pyspark.sql import functions as F

    grouped = ranked.groupBy(*[col(k) for k in keys], col(RANK)).agg(F.count(F.lit(1)).alias(_ROWS))
    twice = F.when(~any_null(keys) & (col(_ROWS) > 1), F.struct(*[col(k) for k in keys], RANK))
    stats = grouped.agg(
        null_key_counts(grouped, keys, weight=col(_ROWS)).alias("nulls"),
        F.min(twice).alias("twice"),
        F.max(F.when(twice.isNotNull(), col(_ROWS))).alias("rows"),
    ).first()
    assert stats is not None
    handle_null_keys(lakehouse, spec, source, keys, stats["nulls"].asDict())
    if (repeated := stats["twice"]) is not None:
        key = ", ".join(f"{name}={repeated[name]!r}" for name in keys)
        which = (
            "the snapshot"
            if spec.cdc.snapshot_version_column is None
            else (f"snapshot {pending.texts[repeated[RANK] - 1]}")
        )
        raise LoadError(
            f"{spec.destination}: {which} in {spec.source} has several rows for key ({key}); "
            "a key is one row of a snapshot"
        )


def _current(lakehouse: Lakehouse, spec: LoadSpec, target: str, history: bool) -> DataFrame | None:
    """The target's current rows (SCD2: its current versions), None when there is no target."""
    if not lakehouse.spark.catalog.tableExists(target):
        return None
    rows = lakehouse.spark.table(target)
    return rows.where(col(spec.cdc.effective_to_column).isNull()) if history else rows


def _change_feed(spec: LoadSpec) -> LoadSpec:
    """The load as the SCD loads take the events: sequenced by AT, deletes flagged by GONE,
    neither carried to the target; the options applied here left at their defaults."""
    defaults = {f.name: f.default for f in fields(CdcSourceConfig) if f.name in _APPLIED_HERE}
    cdc = replace(
        spec.cdc,
        **defaults,
        sequence_columns=(AT,),
        delete_condition=f"`{GONE}`",
        exclude_columns=(AT, GONE),
    )
    return replace(spec, cdc=cdc)
