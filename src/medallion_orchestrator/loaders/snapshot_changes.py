"""Snapshots as change events: what each snapshot changed against the one before it.

The pending snapshots' rows, ranked 1..n in version order, and the target's current rows (rank 0)
meet in one shuffle by key. In rank order, a key's row at rank r is

- an upsert at version r when the key is not in the rank before (new, or back after a delete) or
  a carried column differs from it, NULL-safely;
- followed by a delete at version r+1 when the key is missing from snapshot r+1 (r < n).

Nothing else is an event: a row equal to the one before makes none, so only the keys a snapshot
changed reach the SCD1/SCD2 load, which applies the events in version order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.loaders.common import col
from medallion_orchestrator.loaders.comparable import same
from medallion_orchestrator.loaders.predicates import any_of

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

RANK = "__medallion_snapshot_rank"  # of a snapshot row: 1..n in version order; 0: the target
AT = "__medallion_snapshot_at"  # of an event: its snapshot's version
GONE = "__medallion_snapshot_gone"  # of an event: the key is missing from that snapshot
_EVENT = "__medallion_snapshot_event"
_UPSERT, _GONE_NEXT = "__medallion_snapshot_upsert", "__medallion_snapshot_gone_next"


def snapshot_events(
    ranked: DataFrame,
    previous: DataFrame | None,
    keys: list[str],
    attributes: list[str],
    versions: Column,
) -> DataFrame:
    """Change events (keys, attributes, AT, GONE) of the `ranked` snapshot rows (keys,
    attributes, RANK), the first compared with `previous`, the target's current rows (None: no
    target yet); `versions` is the array of the n versions in rank order."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    rows = ranked.select(*[col(c) for c in (*keys, *attributes, RANK)])
    if previous is not None:
        types = {field.name: field.dataType for field in rows.schema.fields}
        rows = rows.unionByName(
            previous.select(
                *[
                    (col(c) if c in previous.columns else F.lit(None)).cast(types[c]).alias(c)
                    for c in (*keys, *attributes)
                ],
                F.lit(0).cast(types[RANK]).alias(RANK),
            )
        )
    order = Window.partitionBy(*[col(k) for k in keys]).orderBy(col(RANK))
    rank, before = col(RANK), F.lag(col(RANK)).over(order)
    after = F.coalesce(F.lead(col(RANK)).over(order), F.size(versions) + 1)
    kinds = {item.name: item.dataType for item in rows.schema.fields}
    differs = any_of([~same(col(c), F.lag(col(c)).over(order), kinds[c]) for c in attributes])
    marked = rows.withColumns(
        {
            _UPSERT: (rank > 0) & (before.isNull() | (before < rank - 1) | differs),
            _GONE_NEXT: after > rank + 1,
        }
    )

    def event(at: Column, gone: bool) -> Column:
        return F.struct(
            *[col(c) for c in attributes],
            F.element_at(versions, at.cast("int")).alias(AT),
            F.lit(gone).alias(GONE),
        )

    events = F.array(
        F.when(col(_UPSERT), event(rank, False)), F.when(col(_GONE_NEXT), event(rank + 1, True))
    )
    return (
        marked.select(*[col(k) for k in keys], F.explode(events).alias(_EVENT))
        .where(col(_EVENT).isNotNull())
        .select(*[col(k) for k in keys], f"{_EVENT}.*")
    )
