"""Bronze rows as change events: one row per (key, sequence), deletes flagged, checked.

One shuffle by key and one aggregation do the whole check: exact duplicate rows collapse into
one event; two different rows for one key at one sequence value are an error naming the table,
the key and the value; NULL keys fail the task (or go to the quarantine table); a NULL sequence
value is an error. The result is cached and partitioned by key, so what follows (latest per
key, version chains) needs no further shuffle of the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import col, require_columns, without_excluded
from medallion_orchestrator.loaders.keys import any_null, handle_null_keys, null_key_counts
from medallion_orchestrator.loaders.staging import Cache
from medallion_orchestrator.metadata.model import TaskRow

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import DataType

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

DELETED = "__medallion_deleted"
SEQUENCE = "__medallion_sequence"
INTERNAL = (DELETED, SEQUENCE)
_ROWS, _VALUE, _CLASH = "__medallion_rows", "__medallion_value", "__medallion_clash"


@dataclass(frozen=True)
class Events:
    """Change events: `keys`, SEQUENCE, DELETED and the `attributes` carried into silver.

    With marks (see change_events), `marks` has per key and sequence: UNSEEN (a bronze event
    the marks do not cover), CURRENT (the key has a current row) and IN_SOURCE (a bronze row).
    """

    frame: DataFrame
    keys: list[str]
    attributes: list[str]
    marks: DataFrame | None = None

    @property
    def sequence_type(self) -> DataType:
        return self.frame.schema[SEQUENCE].dataType


# Marks: rows (keys, SEQUENCE, DELETED, SIDE) that silver already reflects.
SIDE = "__medallion_side"
SEEN, CURRENT = 0, 2  # SIDE of a sequence silver has seen / of a key's current row
UNSEEN, IN_SOURCE, HAS_CURRENT = "__medallion_unseen", "__medallion_in_source", "__medallion_cur"
_BRONZE = 1


def change_events(
    lakehouse: Lakehouse,
    task: TaskRow,
    source: DataFrame,
    keys: list[str],
    cache: Cache,
    order_column: str | None,
    marks: Callable[[DataType], DataFrame] | None = None,
) -> Events:
    """Events ordered by `order_column`; without one, every row gets the load's timestamp.

    `marks(sequence_type)` gives what silver already reflects; they are grouped with the
    bronze rows in the same shuffle, so telling new events from known ones costs no extra pass.
    """
    from pyspark.sql import functions as F

    require_columns(source, keys, task, "key")
    if order_column:
        require_columns(source, [order_column], task, "sequence")
    flagged = without_excluded(_flagged(source, task, order_column), task, keep=tuple(keys))
    attributes = [c for c in flagged.columns if c not in (*keys, *INTERNAL)]
    value = F.struct(col(DELETED), *[col(a) for a in attributes])
    rows = flagged.select(*[col(k) for k in keys], col(SEQUENCE), value.alias(_VALUE))
    rows = rows.withColumn(SIDE, F.lit(_BRONZE))
    if marks is not None:
        kind = flagged.schema[SEQUENCE].dataType
        rows = rows.unionByName(marks(kind), allowMissingColumns=True)
    grouped = cache.keep(
        rows.repartition(*[col(k) for k in keys])
        .groupBy(*[col(k) for k in keys], col(SEQUENCE))
        .agg(*_aggregates(rows.schema[_VALUE].dataType, marks is not None))
    )
    _check(lakehouse, task, source, grouped, keys, order_column)
    events = grouped.where(~any_null(keys) & (col(_ROWS) > 0))
    frame = events.select(*[col(k) for k in keys], col(SEQUENCE), f"{_VALUE}.*")
    return Events(frame, keys, attributes, grouped if marks is not None else None)


def _aggregates(kind: DataType, marked: bool) -> list[Column]:
    """Per key and sequence: bronze rows, their (deduplicated) value, a clash of different
    values, and with marks whether the event is one silver has seen."""
    from pyspark.sql import functions as F

    bronze = col(SIDE) == _BRONZE
    value = F.when(bronze, col(_VALUE))
    if _orderable(kind):
        lowest, clash = F.min(value), ~F.min(value).eqNullSafe(F.max(value))
    else:
        text = F.to_json(value)
        lowest, clash = F.min_by(value, text), F.min(text) != F.max(text)
    found = [
        F.sum(bronze.cast("int")).alias(_ROWS),
        lowest.alias(_VALUE),
        clash.alias(_CLASH),
    ]
    if not marked:
        return found
    seen = col(SIDE) == SEEN
    seen_as = F.max(seen & col(DELETED)), F.max(seen & ~col(DELETED))
    deleted = F.min(value)[DELETED]
    return [
        *found,
        (F.max(bronze) & ~F.when(deleted, seen_as[0]).otherwise(seen_as[1])).alias(UNSEEN),
        F.max(col(SIDE) == CURRENT).alias(HAS_CURRENT),
        F.max(bronze).alias(IN_SOURCE),
    ]


def latest_per_key(events: Events) -> DataFrame:
    """The last event of each key (the events are unique per key and sequence)."""
    from pyspark.sql import functions as F

    last = F.max_by(
        F.struct(col(SEQUENCE), col(DELETED), *[col(a) for a in events.attributes]),
        col(SEQUENCE),
    )
    return (
        events.frame.groupBy(*[col(k) for k in events.keys])
        .agg(last.alias(_VALUE))
        .select(*[col(k) for k in events.keys], f"{_VALUE}.*")
    )


def _flagged(source: DataFrame, task: TaskRow, order_column: str | None) -> DataFrame:
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F

    condition = task.cdc.delete_condition
    try:
        deleted = F.coalesce(F.expr(condition), F.lit(False)) if condition else F.lit(False)
        sequence = col(order_column) if order_column else F.current_timestamp()
        return source.select("*", deleted.alias(DELETED), sequence.alias(SEQUENCE))
    except AnalysisException as error:
        first = str(error).splitlines()[0]
        raise LoadError(
            f"{task.destination}: delete_condition {condition!r} does not apply to source "
            f"{task.source}: {first}"
        ) from None


def _check(
    lakehouse: Lakehouse,
    task: TaskRow,
    source: DataFrame,
    grouped: DataFrame,
    keys: list[str],
    order_column: str | None,
) -> None:
    from pyspark.sql import functions as F

    keyed = ~any_null(keys)
    stats = grouped.agg(
        null_key_counts(grouped, keys, weight=col(_ROWS)).alias("nulls"),
        F.sum(F.when(keyed & col(SEQUENCE).isNull(), col(_ROWS)).otherwise(0)).alias("no_seq"),
        F.min(F.when(keyed & col(_CLASH), F.struct(*[col(k) for k in keys], col(SEQUENCE)))).alias(
            "clash"
        ),
    ).first()
    assert stats is not None
    handle_null_keys(lakehouse, task, source, keys, stats["nulls"].asDict())
    if stats["no_seq"]:
        raise LoadError(
            f"{task.destination}: NULL in sequence column {order_column} "
            f"({stats['no_seq']} row(s)) of {task.source}"
        )
    if clash := stats["clash"]:
        _conflict(task, keys, clash, order_column)


def _conflict(task: TaskRow, keys: list[str], clash: object, order_column: str | None) -> None:
    key = ", ".join(f"{name}={clash[name]!r}" for name in keys)  # type: ignore[index]
    if order_column:
        raise LoadError(
            f"{task.destination}: source {task.source} has different rows for key ({key}) "
            f"with the same {order_column} = {clash[SEQUENCE]!r}"  # type: ignore[index]
        )
    raise LoadError(
        f"{task.destination}: source {task.source} has different rows for key ({key}) "
        "and no sequence_column in cdc_source_config to order them"
    )


def _orderable(kind: DataType) -> bool:
    from pyspark.sql.types import ArrayType, MapType, StructType

    if isinstance(kind, MapType):
        return False
    if isinstance(kind, ArrayType):
        return _orderable(kind.elementType)
    if isinstance(kind, StructType):
        return all(_orderable(field.dataType) for field in kind.fields)
    return kind.typeName() not in ("variant", "object")


def typed_null(kind: DataType) -> Column:
    from pyspark.sql import functions as F

    return F.lit(None).cast(kind)
