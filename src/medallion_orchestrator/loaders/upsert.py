"""The latest event per key, upserted: SCD1 and the incremental fact merge share it.

An older event never overwrites a newer one: the target row is replaced or deleted only by an
event whose sequence is at least the one stored in the target's copy of the order column. A
delete removes the row; with `full_extract`, a target key absent from the source is deleted.
Change detection is NULL-safe over every attribute but the order column, so a re-synced row
equal to the target (or a rerun) writes nothing.
"""

from __future__ import annotations

from functools import reduce
from typing import TYPE_CHECKING

from medallion_orchestrator.loaders.commit import merge_staged
from medallion_orchestrator.loaders.common import (
    LoadResult,
    col,
    created,
    ensure_target_schema,
    field,
    target_name,
)
from medallion_orchestrator.loaders.events import (
    DELETED,
    INTERNAL,
    SEQUENCE,
    Events,
    change_events,
    latest_per_key,
)
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
from medallion_orchestrator.metadata.model import TaskRow

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

FOUND = "__medallion_found"


def upsert_latest(
    lakehouse: Lakehouse,
    task: TaskRow,
    source: DataFrame,
    keys: list[str],
    order_column: str | None,
    cache: Cache,
    full_extract: bool = False,
) -> LoadResult:
    events = change_events(lakehouse, task, source, keys, cache, order_column)
    latest = latest_per_key(events)
    target = target_name(lakehouse, task)
    spark = lakehouse.spark
    if not spark.catalog.tableExists(target):
        ensure_target_schema(lakehouse, task)
        latest.where(~col(DELETED)).drop(*INTERNAL).write.format("delta").saveAsTable(target)
        return created(lakehouse, task, target, spark.table(target).count())
    staged = cache.keep(_staged(latest, spark.table(target), events, order_column, full_extract))
    condition = " AND ".join(f"t.`{k}` = s.`{k}`" for k in keys)
    values = assignments([*keys, *events.attributes])
    return merge_staged(lakehouse, task, target, staged, Merge(condition, values, values))


def _staged(
    latest: DataFrame,
    current: DataFrame,
    events: Events,
    order_column: str | None,
    full_extract: bool,
) -> DataFrame:
    """Latest events joined with the target: the rows to insert, update or delete."""
    from pyspark.sql import functions as F

    keys, existing = events.keys, set(current.columns)
    stored_order = order_column if order_column in existing else None
    compared = [a for a in events.attributes if a in existing and a != order_column]
    added = [a for a in events.attributes if a not in existing]
    kept = [*compared, *([stored_order] if stored_order else [])]
    target = current.select(
        *[col(c) for c in (*keys, *kept)],
        F.lit(True).alias(FOUND),
        field("_metadata", "file_path").alias(FILE),
    )
    joined = latest.alias("s").join(
        target.alias("t"), on=keys, how="full" if full_extract else "left"
    )
    incoming, found, deleted = (
        field("s", SEQUENCE).isNotNull(),
        field("t", FOUND).isNotNull(),
        field("s", DELETED),
    )
    newer = (
        field("t", stored_order).isNull() | (field("s", SEQUENCE) >= field("t", stored_order))
        if stored_order
        else F.lit(True)
    )
    op = (
        F.when(incoming & ~found & ~deleted, INSERT)
        .when(incoming & found & deleted & newer, DELETE)
        .when(incoming & found & ~deleted & newer & changed(compared, added), UPDATE)
        .when(~incoming & found, DELETE)
    )
    return joined.select(
        *[col(k) for k in keys],
        *[field("s", a).alias(a) for a in events.attributes],
        op.alias(OP),
        field("t", FILE).alias(FILE),
    ).where(col(OP).isNotNull())


def changed(compared: list[str], added: list[str], left: str = "s", right: str = "t") -> Column:
    """NULL-safe: A->NULL and NULL->A are changes, NULL->NULL is not; a value in a column the
    target does not have yet is a change."""
    from pyspark.sql import functions as F

    tests = [~field(left, c).eqNullSafe(field(right, c)) for c in compared] + [
        field(left, c).isNotNull() for c in added
    ]
    return reduce(lambda a, b: a | b, tests, F.lit(False))
