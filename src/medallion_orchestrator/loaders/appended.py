"""SCD2 history that only grows at its end: the difference from one join, no chain rebuild.

A key qualifies when its one unseen event is one bronze row newer than anything silver has seen
of it (events.Unseen.appended), the usual case of a daily load. Its history before that event cannot
change, so the event only meets the key's current version, if any, as the rebuild would fold it:

- an upsert changing a tracked column (NULL-safely) closes the current version at its sequence
  and opens a new one; with no current version it opens one;
- an upsert changing no tracked column updates the current version in place, if anything
  differs;
- a delete closes the current version; with none it does nothing.

The staged rows have the columns and meaning of history.rebuild's. Columns only bronze or only
silver has (schema drift), and full extracts, keep the rebuild.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.loaders.common import col, field
from medallion_orchestrator.loaders.events import DELETED, SEQUENCE, Events
from medallion_orchestrator.loaders.predicates import any_of
from medallion_orchestrator.loaders.staging import FILE, INSERT, OP, UPDATE
from medallion_orchestrator.loaders.versions import EXISTING, MERGE_FROM, Chain

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

_ROW = "__medallion_row"
BROADCAST_VERSIONS = 200_000  # current versions of appended keys joined by broadcast


def appended_changes(
    events: Events,
    appended: DataFrame,
    count: int,
    located: DataFrame,
    chain: Chain,
    ordered: bool,
) -> DataFrame:
    """Staged rows for the `count` `appended` keys (keys, SEQUENCE of the new event);
    `located`: the target with FILE. Not `ordered` (the load's time is the sequence), such a
    key has one bronze row."""
    from pyspark.sql import functions as F

    assert not chain.new and not chain.dropped
    keys, kind = chain.keys, events.sequence_type
    newest = events.frame.join(appended, [*keys, SEQUENCE] if ordered else keys, "left_semi")
    existing = F.struct(*[col(c) for c in (*chain.shared, chain.effective_from, FILE)]).alias(
        EXISTING
    )
    current = (
        located.where(chain.current())
        .join(appended.select(*[col(k) for k in keys]), keys, "left_semi")
        .select(*[col(k) for k in keys], existing)
    )
    if count <= BROADCAST_VERSIONS:
        current = F.broadcast(current)
    joined = newest.join(current, keys, "left")
    if chain.ignored:  # a NULL in the event keeps the current version's value
        kept = {c: F.coalesce(col(c), field(EXISTING, c)) for c in sorted(chain.ignored)}
        joined = joined.withColumns(kept)
    start = field(EXISTING, chain.effective_from)
    file = field(EXISTING, FILE)

    def differs(columns: list[str]) -> Column:
        tests = [~col(c).eqNullSafe(field(EXISTING, c)) for c in columns]
        return any_of(tests)

    def version(values: str, begins: Column, ends: Column, op: str, merge_from: Column) -> Column:
        """A staged row; `values`: of the event, or of the current version."""
        return F.struct(
            *[(col(c) if values == "event" else field(EXISTING, c)).alias(c) for c in chain.shared],
            begins.cast(kind).alias(chain.effective_from),
            *[value.alias(name) for name, value in chain.ended(ends.cast(kind)).items()],
            F.lit(op).alias(OP),
            merge_from.alias(MERGE_FROM),
            (file if op == UPDATE else F.lit(None).cast("string")).alias(FILE),
        )

    found, upsert = col(EXISTING).isNotNull(), ~col(DELETED)
    changed = differs([c for c in chain.shared if c in chain.tracked])
    start_type = current.schema[EXISTING].dataType[chain.effective_from].dataType
    rows = F.array(
        F.when(
            found & (~upsert | changed), version("current", start, col(SEQUENCE), UPDATE, start)
        ),
        F.when(
            upsert & (~found | changed),
            version("event", col(SEQUENCE), F.lit(None), INSERT, col(SEQUENCE).cast(start_type)),
        ),
        F.when(
            upsert & found & ~changed & differs(chain.shared),
            version("event", start, F.lit(None), UPDATE, start),
        ),
    )
    return (
        joined.select(*[col(k) for k in keys], F.explode(rows).alias(_ROW))
        .where(col(_ROW).isNotNull())
        .select(*[col(k) for k in keys], f"{_ROW}.*")
    )
