"""SCD2 version chains, rebuilt per key from events in sequence order, diffed in the same pass.

A key's chain is folded from its events in sequence order:

- an upsert opens a version when none is open (first event, or after a delete) or when a
  tracked column differs, NULL-safely, from the event before; otherwise it continues the open
  version, whose columns take the values of the newest event folded into it;
- a delete closes the open version at its sequence; a later upsert opens a new version;
- a version's `effective_to` is the sequence of the next event that opens or closes a version,
  NULL while it is current (intervals are half-open and touch).

The key's existing versions take part as events ("replayed"): a start at `effective_from`
carrying the version (known as of the sequence stored in it: the newest event folded into it),
and a delete at `effective_to`. At one key and sequence the first of bronze event, replayed
start, replayed delete wins; the existing version rides along on the surviving row. So bronze
that keeps every event (Fivetran history) and bronze that keeps only the latest row per key
rebuild the same chain, and comparing each row's rebuilt version with the existing version it
carries gives the difference without a join:

- a row that opens a version: insert (no existing version), update (it differs) or nothing;
- any other row carrying an existing version: that version is gone, delete it.

Columns only bronze has (added since the last load) or only silver has (dropped from bronze)
are compared only between two events that both have them: their appearance or disappearance is
not a change. Everything runs in one shuffle by key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from medallion_orchestrator.loaders.common import col, field
from medallion_orchestrator.loaders.comparable import same
from medallion_orchestrator.loaders.events import DELETED, SEQUENCE
from medallion_orchestrator.loaders.null_updates import filled
from medallion_orchestrator.loaders.predicates import any_of
from medallion_orchestrator.loaders.schema import holds
from medallion_orchestrator.loaders.staging import DELETE, FILE, INSERT, OP, UPDATE

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import DataType

IS_BRONZE = "__medallion_bronze"
AS_OF = "__medallion_as_of"
RANK = "__medallion_rank"  # at one sequence: 0 bronze event, 1 replayed start, 2 replayed close
EXISTING = "__medallion_existing"
MERGE_FROM = "__medallion_merge_from"
_SHARED, _NEW, _DROPPED = "__medallion_shared", "__medallion_new", "__medallion_dropped"
_START, _RUN, _NEXT, _DUPLICATE = (
    "__medallion_start",
    "__medallion_run",
    "__medallion_next",
    "__medallion_duplicate",
)


@dataclass(frozen=True)
class Chain:
    """The columns of a rebuild: keys, attributes by where they exist, history columns."""

    keys: list[str]
    shared: list[str]
    new: list[str]
    dropped: list[str]
    tracked: frozenset[str]
    effective_from: str
    effective_to: str
    is_current: str | None  # None: the target has no such column (AUTO CDC's shape)
    ignored: frozenset[str] = frozenset()  # a NULL in an update keeps the value before it

    @property
    def attributes(self) -> list[str]:
        return [*self.shared, *self.new, *self.dropped]

    @property
    def ends(self) -> list[str]:
        """What closing a version sets: effective_to and is_current, if the target has it."""
        return [self.effective_to, *([self.is_current] if self.is_current else [])]

    def current(self) -> Column:
        """Whether a target row is its key's current version."""
        return col(self.effective_to).isNull()

    def ended(self, to: Column) -> dict[str, Column]:
        """The `ends` columns of a version that ends at `to` (NULL: current)."""
        return {self.effective_to: to} | ({self.is_current: to.isNull()} if self.is_current else {})


def bronze_events(events: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    return events.withColumns({IS_BRONZE: F.lit(True), AS_OF: col(SEQUENCE), RANK: F.lit(0)})


def replayed(
    versions: DataFrame, chain: Chain, sequence_type: DataType, stored_sequence: Column | None
) -> DataFrame:
    """Existing versions as events: a start carrying the version, a delete at its close."""
    from pyspark.sql import functions as F

    start = col(chain.effective_from).cast(sequence_type)
    end = col(chain.effective_to).cast(sequence_type)
    as_of = (
        start if stored_sequence is None else F.coalesce(stored_sequence.cast(sequence_type), start)
    )
    kept = [*chain.shared, *chain.dropped]
    located = [FILE] if FILE in versions.columns else []
    existing = F.struct(*[col(c) for c in (chain.effective_from, *chain.ends, *kept, *located)])
    carried = versions.select(*[col(c) for c in kept], existing.alias(EXISTING)).schema
    none = {field.name: F.lit(None).cast(field.dataType) for field in carried.fields}
    values = {**{c: col(c) for c in kept}, EXISTING: existing}

    def event(sequence: Column, rank: int, when: Column, carries: bool) -> Column:
        """One replayed event; only a start carries the version's values."""
        return F.struct(
            *[(values if carries else none)[name].alias(name) for name in none],
            sequence.alias(SEQUENCE),
            F.lit(rank == 2).alias(DELETED),
            F.lit(False).alias(IS_BRONZE),
            when.alias(AS_OF),
            F.lit(rank).alias(RANK),
        )

    starts_and_closes = F.array(event(start, 1, as_of, True), event(end, 2, end, False))
    replay = "__medallion_replay"
    return (
        versions.select(*[col(k) for k in chain.keys], F.explode(starts_and_closes).alias(replay))
        .where(field(replay, SEQUENCE).isNotNull())
        .select(*[col(k) for k in chain.keys], f"{replay}.*")
    )


def rebuild(events: DataFrame, chain: Chain) -> DataFrame:
    """The staged difference: keys, MERGE_FROM, attributes, history columns, OP (NULL: the
    version is unchanged). `events`: bronze_events and replayed rows of the same keys."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys = [col(k) for k in chain.keys]
    order = Window.partitionBy(*keys).orderBy(col(SEQUENCE), col(RANK))
    # At one sequence only the first row counts (bronze before replayed start before replayed
    # close; exact duplicate bronze rows are alike), and it carries the replayed version.
    duplicate = F.coalesce(F.lag(col(SEQUENCE)).over(order) == col(SEQUENCE), F.lit(False))
    unique = events.repartition(*keys).withColumn(_DUPLICATE, duplicate)
    if EXISTING in events.columns:
        same_sequence = Window.partitionBy(*keys, col(SEQUENCE))
        carried = F.first(col(EXISTING), ignorenulls=True).over(same_sequence)
        unique = unique.withColumn(EXISTING, carried)
    unique = unique.where(~col(_DUPLICATE))
    if chain.ignored:
        before = order.rowsBetween(Window.unboundedPreceding, Window.currentRow)
        unique = unique.withColumns(filled(chain.ignored, before))
    kinds = {item.name: item.dataType for item in unique.schema.fields}
    opened = unique.withColumn(_START, _opens(chain, lambda c: F.lag(c).over(order), kinds))
    boundary = F.when(col(_START) | col(DELETED), col(SEQUENCE))
    runs = opened.withColumns(
        {
            _RUN: F.sum(col(_START).cast("int")).over(
                order.rowsBetween(Window.unboundedPreceding, Window.currentRow)
            ),
            _NEXT: F.first(boundary, ignorenulls=True).over(
                order.rowsBetween(1, Window.unboundedFollowing)
            ),
        }
    )
    return _versions(runs, chain)


def _versions(runs: DataFrame, chain: Chain) -> DataFrame:
    """Each run of upserts is a version: its values, interval and the staged operation."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    run = Window.partitionBy(*[col(k) for k in chain.keys], col(_RUN))
    upsert = ~col(DELETED)
    newest = {}
    for name, columns, has, order in (
        (_SHARED, chain.shared, F.lit(True), F.struct(col(AS_OF), col(IS_BRONZE))),
        (_NEW, chain.new, col(IS_BRONZE), col(AS_OF)),
        (_DROPPED, chain.dropped, ~col(IS_BRONZE), col(AS_OF)),
    ):
        if columns:
            values = F.struct(*[col(c) for c in columns])
            newest[name] = F.max_by(values, F.when(upsert & has, order)).over(run)
    to = F.max(F.when(upsert, col(_NEXT))).over(run)
    version = runs.withColumns(
        {
            **newest,
            chain.effective_from: col(SEQUENCE),
            **chain.ended(to),
        }
    )
    version = version.withColumns(
        {c: field(name, c) for name in newest for c in version.schema[name].dataType.names}
    )
    located = []
    if EXISTING not in runs.columns:  # a first load: every version is new
        op, merge_from = F.when(col(_START), INSERT), col(SEQUENCE)
    else:
        if FILE in runs.schema[EXISTING].dataType.names:
            located = [field(EXISTING, FILE).alias(FILE)]
        compared = [*chain.shared, *chain.dropped, *chain.ends]
        kinds = {item.name: item.dataType for item in runs.schema.fields}  # never the ends
        differs = [~same(col(c), field(EXISTING, c), kinds.get(c)) for c in compared]
        differs += [col(c).isNotNull() for c in chain.new]
        found = col(EXISTING).isNotNull()
        op = (
            F.when(col(_START) & ~found, INSERT)
            .when(col(_START) & any_of(differs), UPDATE)
            .when(~col(_START) & found, DELETE)
        )
        start_type = runs.schema[EXISTING].dataType[chain.effective_from].dataType
        sequence = col(SEQUENCE)
        if holds(start_type, runs.schema[SEQUENCE].dataType):  # else the table widens it
            sequence = sequence.cast(start_type)
        merge_from = F.coalesce(field(EXISTING, chain.effective_from), sequence)
    return version.select(
        *[col(k) for k in chain.keys],
        merge_from.alias(MERGE_FROM),
        *[col(c) for c in chain.attributes],
        col(chain.effective_from),
        *[col(c) for c in chain.ends],
        op.alias(OP),
        *located,
    )


def _opens(
    chain: Chain, previous: Callable[[Column], Column], kinds: dict[str, DataType]
) -> Column:
    """An upsert opens a version: first event, after a delete, or a tracked column changed.
    `previous` is the value of the event before (lag in sequence order); `kinds`, the types."""

    tests = []
    for name in chain.attributes:
        if name not in chain.tracked:
            continue
        differs = ~same(col(name), previous(col(name)), kinds[name])
        if name in chain.new:
            differs = differs & col(IS_BRONZE) & previous(col(IS_BRONZE))
        elif name in chain.dropped:
            differs = differs & ~col(IS_BRONZE) & ~previous(col(IS_BRONZE))
        tests.append(differs)
    deleted_before = previous(col(DELETED))
    fresh = deleted_before.isNull() | deleted_before
    return ~col(DELETED) & any_of([fresh, *tests])
