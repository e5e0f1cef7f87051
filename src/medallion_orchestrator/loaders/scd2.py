"""SCD type 2: every change of the tracked columns is a version with its validity interval.

Only the keys a load touches are rebuilt: keys with an event silver has not seen (its sequence
is neither a version's start, the newest sequence folded into a version, nor, for a delete, a
version's close) and, with `full_extract`, current keys missing from the source. Their chains
are rebuilt from bronze events and existing versions (versions.py), compared with the existing
versions; keys whose one new event is newer than all they have meet only their current version
(appended.py). The difference is written in ONE commit on (key, effective_from): obsolete
versions deleted, changed ones updated, new ones inserted. No difference, no commit.

With `primary_key_columns` naming one column the source lacks, that column is a surrogate key:
xxhash64(business key, effective_from), the same on every rerun. A late event that moves a
version's start gives that version a new surrogate key.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial, reduce
from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.appended import appended_changes
from medallion_orchestrator.loaders.commit import merge_staged
from medallion_orchestrator.loaders.common import (
    LoadResult,
    col,
    created,
    ensure_target_schema,
    field,
    latest_version,
    literal,
    ordered_by,
    widens_types,
    without_excluded,
)
from medallion_orchestrator.loaders.events import (
    CURRENT,
    DELETED,
    SEEN,
    SEQUENCE,
    SIDE,
    Events,
    Unseen,
    checked_rows,
    unseen_rows,
)
from medallion_orchestrator.loaders.hydrate import with_initial_hydrate
from medallion_orchestrator.loaders.nested import evolved, reshaped
from medallion_orchestrator.loaders.null_updates import ignored_columns
from medallion_orchestrator.loaders.schema import check_target_holds
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.loaders.sql_text import path
from medallion_orchestrator.loaders.staging import FILE, OP, Cache, Merge, assignments
from medallion_orchestrator.loaders.versions import (
    MERGE_FROM,
    Chain,
    bronze_events,
    rebuild,
    replayed,
)

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import DataType, StructType

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

BROADCAST_KEYS = 500_000
_MARK = "__medallion_mark"


def load_scd2(lakehouse: Lakehouse, spec: LoadSpec) -> LoadResult:
    return with_initial_hydrate(lakehouse, spec, lambda source: scd2_from(lakehouse, spec, source))


def scd2_from(lakehouse: Lakehouse, spec: LoadSpec, source: DataFrame) -> LoadResult:
    """The SCD2 load of `source`, change events as the bronze table would hold them."""
    config = spec.cdc
    target = spec.target(lakehouse)
    with Cache() as cache:
        if not lakehouse.spark.catalog.tableExists(target):
            events = checked_rows(lakehouse, spec, source, cache)
            surrogate = surrogate_column(spec, source.columns)
            chain = _chain(spec, events, None, surrogate)
            versions = rebuild(bronze_events(events.frame), chain).where(col(OP).isNotNull())
            columns = [*chain.keys, *chain.attributes, *config.scd2_columns]
            versions = _with_surrogate(versions.select(*columns), chain, surrogate)
            ensure_target_schema(lakehouse, spec)
            versions.write.format("delta").saveAsTable(target)
            return created(lakehouse, spec, target, lakehouse.spark.table(target).count())
        current = lakehouse.spark.table(target)
        widening = partial(widens_types, lakehouse, target)
        check_target_holds(spec, _as_stored(spec, source), current.schema, widening)
        order = config.sequence_columns
        stored = ordered_by(order) if order and set(current.columns).issuperset(order) else None
        seen = partial(_marks, spec, current, stored)
        events, unseen = unseen_rows(lakehouse, spec, source, cache, marks=seen)
        surrogate = surrogate_column(spec, source.columns)
        chain = _chain(spec, events, current.columns, surrogate)
        return _update(lakehouse, spec, events, unseen, current, chain, surrogate, stored, cache)


def _as_stored(spec: LoadSpec, source: DataFrame) -> StructType:
    """The source's columns as silver stores them: those carried, and the validity interval in
    the type of its one sequence column."""
    from pyspark.sql.types import StructField, StructType

    carried = without_excluded(source, spec, keep=spec.keys).schema
    config = spec.cdc
    if len(config.sequence_columns) != 1 or config.sequence_columns[0] not in source.columns:
        return carried
    kind = source.schema[config.sequence_columns[0]].dataType
    ends = (config.effective_from_column, config.effective_to_column)
    return StructType([*carried.fields, *[StructField(name, kind) for name in ends]])


def tracked_columns(spec: LoadSpec, attributes: list[str]) -> frozenset[str]:
    """The columns whose change makes a version; never the sequence column."""
    config = spec.cdc
    listed = config.track_history_columns or config.track_history_except_columns or ()
    unknown = [name for name in listed if name not in attributes]
    if unknown:
        raise LoadError(
            f"{spec.destination}: cdc_source_config names column(s) {', '.join(unknown)} to "
            f"track history by, not columns of {spec.source} or of the target"
        )
    candidates = [name for name in attributes if name not in config.sequence_columns]
    if config.track_history_columns is not None:
        return frozenset(c for c in candidates if c in config.track_history_columns)
    excluded = set(config.track_history_except_columns or ())
    return frozenset(c for c in candidates if c not in excluded)


def surrogate_column(spec: LoadSpec, source_columns: list[str]) -> str | None:
    history = spec.cdc.scd2_columns
    missing = [
        name for name in spec.primary_keys if name not in source_columns and name not in history
    ]
    if len(missing) > 1:
        raise LoadError(
            f"{spec.destination}: primary_key_columns {', '.join(missing)} are not in "
            f"{spec.source}; one surrogate key column can be generated, not {len(missing)}"
        )
    return missing[0] if missing else None


def _chain(
    spec: LoadSpec, events: Events, target_columns: list[str] | None, surrogate: str | None
) -> Chain:
    """The columns of the rebuild; `target_columns` None: the target does not exist yet."""
    config = spec.cdc
    history = config.scd2_columns
    clashes = [name for name in (*history, surrogate) if name in events.attributes]
    if clashes:
        raise LoadError(
            f"{spec.destination}: source {spec.source} has column(s) "
            f"{', '.join(map(str, clashes))} that the SCD2 target generates; name other "
            "history columns in cdc_source_config"
        )
    generated = {*events.keys, *history, surrogate}
    silver = [c for c in target_columns or events.attributes if c not in generated]
    shared = [c for c in events.attributes if c in silver]
    new = [c for c in events.attributes if c not in silver]
    dropped = [c for c in silver if c not in events.attributes]
    tracked = tracked_columns(spec, [*shared, *new, *dropped])
    ignored = frozenset(ignored_columns(spec, [*shared, *new, *dropped]))
    return Chain(
        events.keys,
        shared,
        new,
        dropped,
        tracked,
        config.effective_from_column,
        config.effective_to_column,
        config.is_current_column,
        ignored,
    )


def _with_surrogate(versions: DataFrame, chain: Chain, surrogate: str | None) -> DataFrame:
    from pyspark.sql import functions as F

    if surrogate is None:
        return versions
    key = F.xxhash64(*[col(k) for k in chain.keys], col(chain.effective_from))
    return versions.select(key.alias(surrogate), "*")


def _update(
    lakehouse: Lakehouse,
    spec: LoadSpec,
    events: Events,
    unseen: Unseen,
    current: DataFrame,
    chain: Chain,
    surrogate: str | None,
    stored: Column | None,
    cache: Cache,
) -> LoadResult:
    target = spec.target(lakehouse)
    if unseen.touched_count == 0:
        return LoadResult(
            spec.destination, 0, latest_version(lakehouse, target), "unchanged: no new events"
        )
    located = current.select("*", field("_metadata", "file_path").alias(FILE))
    if shapes := evolved(current.schema, events.frame.schema):
        incoming = {name: (shape.incoming, shape.evolved) for name, shape in shapes.items()}
        events = replace(events, frame=_in_shapes(events.frame, incoming))
        located = _in_shapes(located, {n: (s.stored, s.evolved) for n, s in shapes.items()})
    changes = []
    rebuilt_keys = unseen.touched
    if unseen.appended_count and not chain.new and not chain.dropped:
        appended = _small(unseen.appended, unseen.appended_count)
        ordered = bool(spec.cdc.sequence_columns)
        changes.append(
            appended_changes(events, appended, unseen.appended_count, located, chain, ordered)
        )
        rebuilt_keys = rebuilt_keys.join(appended.select(*chain.keys), chain.keys, "left_anti")
    if unseen.touched_count > unseen.appended_count or not changes:
        touched = _small(rebuilt_keys, unseen.touched_count)
        changes.append(_rebuilt(spec, events, located, touched, chain, stored))
    staged = cache.keep(
        reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), changes), eager=False
    )
    on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in chain.keys)
    update = assignments([*chain.attributes, *chain.ends])
    insert = assignments([*chain.keys, chain.effective_from]) | update
    if surrogate:
        inputs = ", ".join(f"s.`{c}`" for c in (*chain.keys, chain.effective_from))
        insert[surrogate] = f"xxhash64({inputs})"
    merge = Merge(f"{on} AND t.`{chain.effective_from}` = s.{MERGE_FROM}", update, insert)
    return merge_staged(lakehouse, spec, target, staged, merge)


def _in_shapes(frame: DataFrame, shapes: dict[str, tuple[DataType, DataType]]) -> DataFrame:
    """`frame` with each nested column of `shapes` brought from its type to the evolved one."""
    from pyspark.sql import functions as F

    return frame.withColumns(
        {name: F.expr(reshaped(path(name), have, want)) for name, (have, want) in shapes.items()}
    )


def _small(keys: DataFrame, rows: int) -> DataFrame:
    """Keys joined by broadcast when there are few enough."""
    from pyspark.sql import functions as F

    return F.broadcast(keys) if rows <= BROADCAST_KEYS else keys


def _rebuilt(
    spec: LoadSpec,
    events: Events,
    located: DataFrame,
    touched: DataFrame,
    chain: Chain,
    stored: Column | None,
) -> DataFrame:
    """Staged rows of the `touched` keys, from their chains rebuilt (versions.py)."""
    existing = located.join(touched, chain.keys, "left_semi")
    bronze = bronze_events(events.frame.join(touched, chain.keys, "left_semi"))
    if spec.cdc.full_extract:
        gone = _missing_keys(events, existing, chain)
        bronze = bronze.unionByName(gone, allowMissingColumns=True)
    history = replayed(existing, chain, events.sequence_type, stored)
    rebuilt = rebuild(bronze.unionByName(history, allowMissingColumns=True), chain)
    return rebuilt.where(col(OP).isNotNull())


def _marks(spec: LoadSpec, current: DataFrame, stored: Column | None, kind: DataType) -> DataFrame:
    """What silver reflects, per version: its start and newest folded sequence (upserts), its
    close (a delete) and, with a full extract, that the key has a current version. One scan of
    the target: each Delta scan in a plan costs its own file listing, more than the rows."""
    from pyspark.sql import functions as F

    config, keys = spec.cdc, list(spec.keys)
    starts, closes = col(config.effective_from_column), col(config.effective_to_column)

    def mark(sequence: Column, deleted: Column, side: int, where: Column) -> Column:
        fields = (sequence.alias(SEQUENCE), deleted.alias(DELETED), F.lit(side).alias(SIDE))
        return F.when(where, F.struct(*fields))

    begun, ended = starts.cast(kind), closes.cast(kind)
    marks = [
        mark(begun, F.lit(False), SEEN, begun.isNotNull()),
        mark(ended, F.lit(True), SEEN, ended.isNotNull()),
    ]
    if stored is not None:  # the newest sequence folded into a version, when not its start
        folded = stored.cast(kind)
        newer = folded.isNotNull() & ~folded.eqNullSafe(begun)
        marks.append(mark(folded, F.lit(False), SEEN, newer))
    if spec.cdc.full_extract:
        nothing = F.lit(None).cast(kind), F.lit(None).cast("boolean")
        marks.append(mark(*nothing, CURRENT, closes.isNull()))
    return (
        current.select(*[col(k) for k in keys], F.explode(F.array(*marks)).alias(_MARK))
        .where(col(_MARK).isNotNull())
        .select(*[col(k) for k in keys], f"{_MARK}.*")
    )


def _missing_keys(events: Events, existing: DataFrame, chain: Chain) -> DataFrame:
    """Full extract: a current key absent from the source is deleted now (timestamp and date
    sequences) or at the source's largest sequence, never before its version started."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DateType, TimestampNTZType, TimestampType

    kind = events.sequence_type
    if isinstance(kind, (TimestampType, TimestampNTZType, DateType)):
        at = F.current_timestamp().cast(kind)
    else:
        at = literal(events.frame.agg(F.max(col(SEQUENCE))).first()[0], kind)
    gone = existing.where(chain.current()).join(
        events.frame.select(*[col(k) for k in chain.keys]), chain.keys, "left_anti"
    )
    sequence = F.greatest(at, col(chain.effective_from).cast(kind))
    return bronze_events(
        gone.select(
            *[col(k) for k in chain.keys], sequence.alias(SEQUENCE), F.lit(True).alias(DELETED)
        )
    )
