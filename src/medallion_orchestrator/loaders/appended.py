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
from medallion_orchestrator.loaders.comparable import incomparable, same
from medallion_orchestrator.loaders.events import DELETED, SEQUENCE, Events
from medallion_orchestrator.loaders.predicates import any_of
from medallion_orchestrator.loaders.schema import holds
from medallion_orchestrator.loaders.sql_text import path, struct_of, struct_sql
from medallion_orchestrator.loaders.staging import FILE, INSERT, OP, UPDATE
from medallion_orchestrator.loaders.versions import EXISTING, MERGE_FROM, Chain

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import DataType

_ROW = "__medallion_row"
VALUES = "__medallion_values"  # the attributes (shared columns) as one struct
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
    key has one bronze row. The attributes ride as one struct, VALUES, until the last step."""
    from pyspark.sql import functions as F

    assert not chain.new and not chain.dropped
    keys, kind = chain.keys, events.sequence_type
    newest = events.frame.join(appended, [*keys, SEQUENCE] if ordered else keys, "left_semi")
    existing = F.struct(
        struct_of(chain.shared).alias(VALUES), col(chain.effective_from), col(FILE)
    ).alias(EXISTING)
    current = (
        located.where(chain.current())
        .join(appended.select(*[col(k) for k in keys]), keys, "left_semi")
        .select(*[col(k) for k in keys], existing)
    )
    if count <= BROADCAST_VERSIONS:
        current = F.broadcast(current)
    joined = newest.join(current, keys, "left").select(
        *[col(k) for k in keys], col(SEQUENCE), col(DELETED), col(EXISTING), _event_values(chain)
    )
    start = field(EXISTING, chain.effective_from)
    file = field(EXISTING, FILE)
    types = _types(events.frame), _types(located)

    def version(
        values: Column, begins: Column, ends: Column, op: str, merge_from: Column
    ) -> Column:
        """A staged row; `values`: of the event, or of the current version."""
        return F.struct(
            values.alias(VALUES),
            begins.cast(kind).alias(chain.effective_from),
            *[value.alias(name) for name, value in chain.ended(ends.cast(kind)).items()],
            F.lit(op).alias(OP),
            merge_from.alias(MERGE_FROM),
            (file if op == UPDATE else F.lit(None).cast("string")).alias(FILE),
        )

    found, upsert = col(EXISTING).isNotNull(), ~col(DELETED)
    changed = _differs([c for c in chain.shared if c in chain.tracked], chain.shared, *types)
    start_type = current.schema[EXISTING].dataType[chain.effective_from].dataType
    sequence = col(SEQUENCE).cast(start_type) if holds(start_type, kind) else col(SEQUENCE)
    event, before = col(VALUES), field(EXISTING, VALUES)
    rows = F.array(
        F.when(found & (~upsert | changed), version(before, start, col(SEQUENCE), UPDATE, start)),
        F.when(
            upsert & (~found | changed),
            version(event, col(SEQUENCE), F.lit(None), INSERT, sequence),
        ),
        F.when(
            upsert & found & ~changed & _differs(chain.shared, chain.shared, *types),
            version(event, start, F.lit(None), UPDATE, start),
        ),
    )
    return (
        joined.select(*[col(k) for k in keys], F.explode(rows).alias(_ROW))
        .where(col(_ROW).isNotNull())
        .select(*[col(k) for k in keys], f"{_ROW}.*")
        .select(*keys, f"{VALUES}.*", chain.effective_from, *chain.ends, OP, MERGE_FROM, FILE)
    )


def _event_values(chain: Chain) -> Column:
    """The event's attributes as VALUES; an ignored column's NULL keeps the current value."""
    from pyspark.sql import functions as F

    values = {c: path(c) for c in chain.shared}
    for c in chain.ignored:
        values[c] = f"coalesce({path(c)}, {path(EXISTING, VALUES, c)})"
    return F.expr(struct_sql(values)).alias(VALUES)


def _differs(
    columns: list[str],
    shared: list[str],
    event_types: dict[str, DataType],
    target_types: dict[str, DataType],
) -> Column:
    """Whether any of `columns` of the event's VALUES differs, NULL-safely, from the current
    version's. Columns of one type on both sides are compared as one struct; others each
    with the implicit casts of a comparison, and maps by their entries."""
    from pyspark.sql import functions as F

    alike = [
        c for c in columns if event_types[c] == target_types[c] and not incomparable(event_types[c])
    ]
    tests = [
        ~same(field(VALUES, c), F.col(path(EXISTING, VALUES, c)), event_types[c])
        if incomparable(event_types[c])
        else F.expr(f"NOT ({path(VALUES, c)} <=> {path(EXISTING, VALUES, c)})")
        for c in columns
        if c not in alike
    ]
    if alike == shared:
        tests.append(~col(VALUES).eqNullSafe(field(EXISTING, VALUES)))
    elif alike:
        tests.append(~struct_of(alike, VALUES).eqNullSafe(struct_of(alike, EXISTING, VALUES)))
    return any_of(tests)


def _types(frame: DataFrame) -> dict[str, DataType]:
    return {column.name: column.dataType for column in frame.schema.fields}
