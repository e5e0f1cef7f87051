"""Bronze rows as change events: deletes flagged, sequence set, checked.

The checks: exact duplicate rows count once; two different rows for one key at one sequence
value are an error naming the table, the key and the value; NULL keys fail the spec (or go to
the quarantine table); a NULL sequence value is an error.

`change_events` groups the rows by key and sequence in one shuffle (values compared exactly)
and keeps the result: one event per key and sequence, partitioned by key. `checked_rows` does
the same checks through a narrow shuffle (keys, sequences, delete flags) and groups what
silver already reflects in the same pass, so SCD2 learns which keys have new events without
reading the bronze values; only keys with several rows at one sequence are compared exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import (
    col,
    ordered_by,
    require_columns,
    without_excluded,
)
from medallion_orchestrator.loaders.comparable import comparable, incomparable
from medallion_orchestrator.loaders.keys import any_null, handle_null_keys, null_key_counts
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.loaders.staging import Cache

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pyspark.sql import Column, DataFrame, Row
    from pyspark.sql.types import DataType

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

DELETED = "__medallion_deleted"
SEQUENCE = "__medallion_sequence"
INTERNAL = (DELETED, SEQUENCE)
_ROWS, _VALUE, _CLASH = "__medallion_rows", "__medallion_value", "__medallion_clash"
_REPEATED = "__medallion_repeated"
_NO_SEQUENCE = "__medallion_no_sequence"


@dataclass(frozen=True)
class Events:
    """Change events: `keys`, SEQUENCE, DELETED and the `attributes` carried into silver. From
    `change_events`, `frame` holds one row per key and sequence; from `checked_rows` and
    `unseen_rows`, the bronze rows as they are (exact duplicates included)."""

    frame: DataFrame
    keys: list[str]
    attributes: list[str]

    @property
    def sequence_type(self) -> DataType:
        return self.frame.schema[SEQUENCE].dataType


@dataclass(frozen=True)
class Unseen:
    """The keys with an event silver has not seen (with a full extract, also current keys the
    source lacks): `touched`; and those of them (keys, SEQUENCE) whose one unseen event is one
    bronze row newer than anything silver has seen of the key, so history only grows at its
    end: `appended`. Each with its count."""

    touched: DataFrame
    touched_count: int
    appended: DataFrame
    appended_count: int


# Marks: rows (keys, SEQUENCE, DELETED, SIDE) of what silver already reflects.
SIDE = "__medallion_side"
SEEN, CURRENT = 0, 2  # SIDE of a sequence silver has seen / of a key's current row
UNSEEN, IN_SOURCE, HAS_CURRENT = "__medallion_unseen", "__medallion_in_source", "__medallion_cur"
TOUCHED = "__medallion_touched"
APPENDED = "__medallion_appended"
_UNSEEN_AT, _NEWEST = "__medallion_unseen_at", "__medallion_newest"
_BRONZE = 1


def change_events(
    lakehouse: Lakehouse,
    spec: LoadSpec,
    source: DataFrame,
    keys: list[str],
    cache: Cache,
    order: tuple[str, ...],
) -> Events:
    """One event per key and sequence, ordered by the `order` columns (else the load's time)."""
    from pyspark.sql import functions as F

    flagged, attributes = flag(spec, source, keys, order)
    grouped = cache.keep(_exactly_grouped(flagged, keys, attributes))
    no_sequence = F.when(col(SEQUENCE).isNull(), col(_ROWS)).otherwise(0)
    clash_at = F.when(col(_CLASH), col(SEQUENCE))
    _check(lakehouse, spec, source, grouped, keys, order, no_sequence, clash_at)
    frame = grouped.where(~any_null(keys)).select(
        *[col(k) for k in keys], col(SEQUENCE), f"{_VALUE}.*"
    )
    return Events(frame, keys, attributes)


def _exactly_grouped(flagged: DataFrame, keys: list[str], attributes: list[str]) -> DataFrame:
    """Per key and sequence: rows, the lowest value, whether the values differ."""
    from pyspark.sql import functions as F

    value = F.struct(col(DELETED), *[col(a) for a in attributes])
    kind = flagged.select(value).schema[0].dataType
    if not incomparable(kind):
        lowest, clash = F.min(value), ~F.min(value).eqNullSafe(F.max(value))
    else:  # maps and variants: two rows alike but for a map's order are alike
        ordered = comparable(value, kind)
        lowest, clash = F.min_by(value, ordered), ~F.min(ordered).eqNullSafe(F.max(ordered))
    return (
        flagged.repartition(*[col(k) for k in keys])
        .groupBy(*[col(k) for k in keys], col(SEQUENCE))
        .agg(F.count(F.lit(1)).alias(_ROWS), lowest.alias(_VALUE), clash.alias(_CLASH))
    )


def checked_rows(lakehouse: Lakehouse, spec: LoadSpec, source: DataFrame, cache: Cache) -> Events:
    """The bronze rows, keyed and sequenced as `spec` says, checked like change_events but
    through a narrow shuffle of keys, sequences and delete flags; only keys with several rows
    at one sequence are compared exactly."""
    return _checked(lakehouse, spec, source, cache, None)[0]


def unseen_rows(
    lakehouse: Lakehouse,
    spec: LoadSpec,
    source: DataFrame,
    cache: Cache,
    marks: Callable[[DataType], DataFrame],
) -> tuple[Events, Unseen]:
    """The bronze rows checked as checked_rows checks them, and what of them silver has not
    seen: the narrow shuffle meets `marks(sequence_type)`, what silver already reflects, in
    the same pass."""
    events, unseen = _checked(lakehouse, spec, source, cache, marks)
    assert unseen is not None
    return events, unseen


def _checked(
    lakehouse: Lakehouse,
    spec: LoadSpec,
    source: DataFrame,
    cache: Cache,
    marks: Callable[[DataType], DataFrame] | None,
) -> tuple[Events, Unseen | None]:
    """Only the groups worth a look are kept: the touched keys and the rows at fault."""
    from pyspark.sql import functions as F

    keys, order = list(spec.keys), spec.cdc.sequence_columns
    flagged, attributes = flag(spec, source, keys, order)
    narrow = flagged.select(
        *[col(k) for k in keys], col(SEQUENCE), col(DELETED), F.lit(_BRONZE).alias(SIDE)
    )
    if marks is not None:
        narrow = narrow.unionByName(marks(flagged.schema[SEQUENCE].dataType))
    grouped = (
        narrow.repartition(*[col(k) for k in keys])
        .groupBy(*[col(k) for k in keys], col(SEQUENCE))
        .agg(*_narrow_aggregates())
    )
    touched, appended = F.lit(False), F.lit(False)
    if marks is not None:
        grouped, touched, appended = _per_key(grouped, keys, spec.cdc.full_extract)
    at_fault = any_null(keys) | (col(_NO_SEQUENCE) > 0) | col(_REPEATED)
    notable = cache.keep(
        grouped.where(touched | at_fault).select(
            *[col(k) for k in keys],
            _ROWS,
            _NO_SEQUENCE,
            _REPEATED,
            touched.alias(TOUCHED),
            appended.alias(APPENDED),
            (col(_UNSEEN_AT) if marks is not None else F.lit(None)).alias(SEQUENCE),
        ),
        eager=False,
    )
    stats = _check(
        lakehouse, spec, source, notable, keys, order, col(_NO_SEQUENCE), F.lit(None),
        counts={name: col(name) for name in (TOUCHED, APPENDED, _REPEATED)},
    )  # fmt: skip
    keyed = notable.where(~any_null(keys))
    if stats[_REPEATED]:
        repeated = keyed.where(col(_REPEATED)).select(*[col(k) for k in keys])
        _check_repeats(spec, flagged.join(repeated, keys, "left_semi"), keys, attributes)
    events = Events(flagged.where(~any_null(keys)), keys, attributes)
    if marks is None:
        return events, None
    unseen = Unseen(
        keyed.where(col(TOUCHED)).select(*[col(k) for k in keys]),
        stats[TOUCHED],
        keyed.where(col(APPENDED)).select(*[col(k) for k in keys], col(SEQUENCE)),
        stats[APPENDED],
    )
    return events, unseen


def _per_key(
    grouped: DataFrame, keys: list[str], full_extract: bool
) -> tuple[DataFrame, Column, Column]:
    """The (key, sequence) groups rolled up per key; whether the key is touched, and whether
    its only unseen event is one bronze row at its newest sequence (appended)."""
    from pyspark.sql import functions as F

    rolled = grouped.groupBy(*[col(k) for k in keys]).agg(
        *[F.sum(col(name)).alias(name) for name in (_ROWS, _NO_SEQUENCE)],
        *[F.max(col(c)).alias(c) for c in (_REPEATED, UNSEEN, HAS_CURRENT, IN_SOURCE)],
        F.count_if(col(UNSEEN)).alias("__medallion_unseen_groups"),
        F.max(F.when(col(UNSEEN), col(_ROWS))).alias("__medallion_unseen_rows"),
        F.max(F.when(col(UNSEEN), col(SEQUENCE))).alias(_UNSEEN_AT),
        F.max(col(SEQUENCE)).alias(_NEWEST),
    )
    touched = col(UNSEEN)
    if full_extract:  # a current key missing from the source is touched too
        return rolled, touched | (col(HAS_CURRENT) & ~col(IN_SOURCE)), F.lit(False)
    appended = (
        (col("__medallion_unseen_groups") == 1)
        & (col("__medallion_unseen_rows") == 1)
        & (col(_UNSEEN_AT) == col(_NEWEST))
    )
    return rolled, touched, appended


def _narrow_aggregates() -> list[Column]:
    """Per key and sequence: bronze rows (NULL sequences apart, several of them), whether
    silver saw it, whether the key has a current version and bronze rows. Each row is one
    bit (bronze upsert or delete, seen upsert or delete, current), OR-ed together."""
    from pyspark.sql import functions as F

    bit = (
        F.when(col(SIDE) == _BRONZE, F.when(col(DELETED), 2).otherwise(1))
        .when(col(SIDE) == SEEN, F.when(col(DELETED), 8).otherwise(4))
        .otherwise(16)
    )
    rows, bits = F.sum((col(SIDE) == _BRONZE).cast("int")), F.bit_or(bit)

    def has(mask: int) -> Column:
        return bits.bitwiseAND(mask) != 0

    upsert, delete, seen_upsert, seen_delete = has(1), has(2), has(4), has(8)
    return [
        rows.alias(_ROWS),
        F.when(col(SEQUENCE).isNull(), rows).otherwise(0).alias(_NO_SEQUENCE),
        (rows > 1).alias(_REPEATED),
        ((upsert & ~seen_upsert) | (delete & ~upsert & ~seen_delete)).alias(UNSEEN),
        has(16).alias(HAS_CURRENT),
        (upsert | delete).alias(IN_SOURCE),
    ]


def _check_repeats(spec: LoadSpec, rows: DataFrame, keys: list[str], attributes: list[str]) -> None:
    """Several bronze rows at one key and sequence: alike they count once, else a conflict."""
    from pyspark.sql import functions as F

    grouped = _exactly_grouped(rows, keys, attributes)
    first = F.struct(*[col(k) for k in keys], col(SEQUENCE))
    clash = grouped.agg(F.min(F.when(col(_CLASH), first))).first()
    if clash is not None and clash[0] is not None:
        _conflict(spec, keys, clash[0], spec.cdc.sequence_columns)


def flag(
    spec: LoadSpec, source: DataFrame, keys: list[str], order: tuple[str, ...]
) -> tuple[DataFrame, list[str]]:
    """The source with DELETED and SEQUENCE, columns not carried dropped; and its attributes."""
    require_columns(source, keys, spec, "key")
    require_columns(source, list(order), spec, "sequence")
    flagged = without_excluded(_flagged(source, spec, order), spec, keep=(*keys, *INTERNAL))
    return flagged, [c for c in flagged.columns if c not in (*keys, *INTERNAL)]


def latest_per_key(events: Events, with_it: Mapping[str, Column] | None = None) -> DataFrame:
    """The last event of each key (the events are unique per key and sequence), and the
    aggregates `with_it` computed in the same pass."""
    from pyspark.sql import functions as F

    last = F.max_by(
        F.struct(col(SEQUENCE), col(DELETED), *[col(a) for a in events.attributes]),
        col(SEQUENCE),
    )
    return (
        events.frame.groupBy(*[col(k) for k in events.keys])
        .agg(last.alias(_VALUE), *[value.alias(name) for name, value in (with_it or {}).items()])
        .select(*[col(k) for k in events.keys], f"{_VALUE}.*", *[col(n) for n in with_it or {}])
    )


def _flagged(source: DataFrame, spec: LoadSpec, order: tuple[str, ...]) -> DataFrame:
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F

    condition = spec.cdc.delete_condition
    try:
        deleted = F.coalesce(F.expr(condition), F.lit(False)) if condition else F.lit(False)
        sequence = ordered_by(order) if order else F.current_timestamp()
        return source.select("*", deleted.alias(DELETED), sequence.alias(SEQUENCE))
    except AnalysisException as error:
        first = str(error).splitlines()[0]
        raise LoadError(
            f"{spec.destination}: delete_condition {condition!r} does not apply to source "
            f"{spec.source}: {first}"
        ) from None


def _check(
    lakehouse: Lakehouse,
    spec: LoadSpec,
    source: DataFrame,
    grouped: DataFrame,
    keys: list[str],
    order: tuple[str, ...],
    no_sequence: Column,
    clash_at: Column,
    counts: dict[str, Column] | None = None,
) -> Row:
    """One small action over the grouped rows: NULL keys, NULL sequences, the first clash
    and, in the same pass, how many keyed rows have each of `counts` true."""
    from pyspark.sql import functions as F

    keyed = ~any_null(keys)
    clash = F.struct(*[col(k) for k in keys], clash_at.alias(SEQUENCE))
    stats = grouped.agg(
        null_key_counts(grouped, keys, weight=col(_ROWS)).alias("nulls"),
        F.sum(F.when(keyed, no_sequence).otherwise(0)).alias("no_seq"),
        F.min(F.when(keyed & clash_at.isNotNull(), clash)).alias("clash"),
        *[F.count_if(keyed & test).alias(name) for name, test in (counts or {}).items()],
    ).first()
    assert stats is not None
    handle_null_keys(lakehouse, spec, source, keys, stats["nulls"].asDict())
    if stats["no_seq"]:
        raise LoadError(
            f"{spec.destination}: NULL in sequence column {', '.join(order)} "
            f"({stats['no_seq']} row(s)) of {spec.source}"
        )
    if clash := stats["clash"]:
        _conflict(spec, keys, clash, order)
    return stats


def _conflict(spec: LoadSpec, keys: list[str], clash: object, order: tuple[str, ...]) -> None:
    key = ", ".join(f"{name}={clash[name]!r}" for name in keys)  # type: ignore[index]
    if order:
        raise LoadError(
            f"{spec.destination}: source {spec.source} has different rows for key ({key}) "
            f"with the same {', '.join(order)} = {clash[SEQUENCE]!r}"  # type: ignore[index]
        )
    raise LoadError(
        f"{spec.destination}: source {spec.source} has different rows for key ({key}) "
        "and no sequence_column in cdc_source_config to order them"
    )
