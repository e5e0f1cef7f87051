"""The latest event per key, upserted: SCD1 and the incremental fact merge share it.

An older event never overwrites a newer one: the target row is replaced or deleted only by an
event whose sequence is at least the one stored in the target's copy of the order columns, and
with `tombstones` (SCD1) a key's last delete is replayed after bronze has lost it. A
delete removes the row; with `full_extract`, a target key absent from the source is deleted.
Change detection is NULL-safe over every attribute but the order column, so a re-synced row
equal to the target (or a rerun) writes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from medallion_orchestrator.loaders.commit import merge_staged
from medallion_orchestrator.loaders.common import (
    LoadResult,
    col,
    created,
    ensure_target_schema,
    field,
    ordered_by,
    widens_types,
    without_excluded,
)
from medallion_orchestrator.loaders.comparable import same
from medallion_orchestrator.loaders.events import (
    DELETED,
    INTERNAL,
    SEQUENCE,
    Events,
    change_events,
    latest_per_key,
)
from medallion_orchestrator.loaders.nested import combined, evolved, reshaped
from medallion_orchestrator.loaders.null_updates import (
    bookkeeping,
    ignored_columns,
    kept_aggregates,
    over_target,
    with_kept,
)
from medallion_orchestrator.loaders.predicates import any_of
from medallion_orchestrator.loaders.schema import check_target_holds
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.loaders.sql_text import path
from medallion_orchestrator.loaders.staging import (
    DELETE,
    FILE,
    INSERT,
    OP,
    UPDATE,
    Cache,
    Merge,
    assignments,
)
from medallion_orchestrator.loaders.tombstones import Tombstones
from medallion_orchestrator.loaders.truncates import before_truncate, without_truncates

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import DataType

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

FOUND = "__medallion_found"
STORED = "__medallion_stored"


def upsert_latest(
    lakehouse: Lakehouse,
    spec: LoadSpec,
    source: DataFrame,
    keys: list[str],
    order: tuple[str, ...],
    cache: Cache,
    full_extract: bool = False,
    tombstones: Tombstones | None = None,
) -> LoadResult:
    target = spec.target(lakehouse)
    spark = lakehouse.spark
    if spark.catalog.tableExists(target):
        carried = without_excluded(source, spec, keep=tuple(keys))
        widening = partial(widens_types, lakehouse, target)
        check_target_holds(spec, carried.schema, spark.table(target).schema, widening)
    source, truncated_at = without_truncates(spec, source, order)
    events = change_events(lakehouse, spec, source, keys, cache, order)
    kept = tombstones.replayed(lakehouse, events.sequence_type) if tombstones else None
    if kept is not None:
        events = replace(events, frame=events.frame.unionByName(kept, allowMissingColumns=True))
    if truncated_at is not None:
        events = replace(events, frame=events.frame.where(col(SEQUENCE) >= truncated_at))
    ignored = ignored_columns(spec, events.attributes)
    latest = with_kept(latest_per_key(events, kept_aggregates(ignored)), ignored)
    if tombstones is not None:
        latest = cache.keep(latest, eager=False)
        tombstones.record(lakehouse, spec, latest, cache)
    if not spark.catalog.tableExists(target):
        ensure_target_schema(lakehouse, spec)
        fresh = latest.where(~col(DELETED)).drop(*INTERNAL, *bookkeeping(ignored))
        fresh.write.format("delta").saveAsTable(target)
        return created(lakehouse, spec, target, spark.table(target).count())
    staged = cache.keep(
        _staged(latest, spark.table(target), events, order, ignored, full_extract, truncated_at)
    )
    condition = " AND ".join(f"t.`{k}` = s.`{k}`" for k in keys)
    values = assignments([*keys, *events.attributes])
    return merge_staged(lakehouse, spec, target, staged, Merge(condition, values, values))


def _staged(
    latest: DataFrame,
    current: DataFrame,
    events: Events,
    order: tuple[str, ...],
    ignored: list[str],
    full_extract: bool,
    truncated_at: Column | None,
) -> DataFrame:
    """Latest events joined with the target: the rows to insert, update or delete; a NULL in
    an `ignored` column keeps the target's value. With `full_extract` a target row the source
    lacks is deleted; after a truncate, one stored before it (or stored with no sequence)."""
    from pyspark.sql import functions as F

    keys, existing = events.keys, set(current.columns)
    stored = bool(order) and existing.issuperset(order)
    compared = [a for a in events.attributes if a in existing and a not in order]
    shapes = evolved(current.schema, latest.schema)
    kinds = {item.name: item.dataType for item in latest.schema.fields}
    kinds |= {name: shape.evolved for name, shape in shapes.items()}
    added = [a for a in events.attributes if a not in existing]
    target = current.select(
        *[col(c) for c in (*keys, *compared)],
        *([ordered_by(order).alias(STORED)] if stored else []),
        F.lit(True).alias(FOUND),
        field("_metadata", "file_path").alias(FILE),
    )
    every_row = full_extract or truncated_at is not None
    joined = latest.alias("s").join(target.alias("t"), on=keys, how="full" if every_row else "left")
    stored_at = field("t", STORED) if stored else None
    truncated = before_truncate(stored_at, truncated_at)
    values = {a: field("s", a) for a in events.attributes}
    values |= {
        a: F.expr(combined(path("s", a), path("t", a), *shape))
        for a, shape in shapes.items()
        if a in compared
    }
    stored_as = {  # the target's value in the incoming one's type
        a: F.expr(reshaped(path("t", a), shape.stored, shape.evolved))
        for a, shape in shapes.items()
    }
    values |= {
        a: F.when(truncated, values[a]).otherwise(
            over_target(a, stored_at, values[a], stored_as.get(a))
        )
        for a in ignored
        if a in compared
    }
    incoming, found, deleted = (
        field("s", SEQUENCE).isNotNull(),
        field("t", FOUND).isNotNull(),
        field("s", DELETED),
    )
    newer = (
        field("t", STORED).isNull() | (field("s", SEQUENCE) >= field("t", STORED))
        if stored
        else F.lit(True)
    )
    op = (
        F.when(incoming & ~found & ~deleted, INSERT)
        .when(incoming & found & deleted & newer, DELETE)
        .when(
            incoming
            & found
            & ~deleted
            & newer
            & changed(values, compared, added, stored_as, kinds),
            UPDATE,
        )
        .when(~incoming & found & (F.lit(full_extract) | truncated), DELETE)
    )
    return joined.select(
        *[col(k) for k in keys],
        *[values[a].alias(a) for a in events.attributes],
        op.alias(OP),
        field("t", FILE).alias(FILE),
    ).where(col(OP).isNotNull())


def changed(
    values: dict[str, Column],
    compared: list[str],
    added: list[str],
    stored_as: dict[str, Column] | None = None,
    kinds: dict[str, DataType] | None = None,
) -> Column:
    """NULL-safe, the incoming `values` against the target `t`: A->NULL and NULL->A are
    changes, NULL->NULL is not; a value in a column the target does not have yet is a change.
    A struct whose fields changed is compared as `stored_as` gives the target's value (in the
    evolved type, nested.py), and maps by their entries, given the values' `kinds`."""
    stored_as, kinds = stored_as or {}, kinds or {}
    stored = {c: stored_as.get(c, field("t", c)) for c in compared}
    tests = [
        ~same(values[c], stored[c], kinds[c]) if c in kinds else ~values[c].eqNullSafe(stored[c])
        for c in compared
    ] + [values[c].isNotNull() for c in added]
    return any_of(tests)
