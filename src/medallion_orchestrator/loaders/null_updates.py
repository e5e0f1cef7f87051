"""Ignored NULL updates (AUTO CDC's `ignore_null_updates` and its column-list forms).

A NULL in an update of an ignored column keeps the value the key had: the newest non-NULL value
of the events before it in sequence order, in the same load or already in the target. A delete
forgets the values: an upsert after it starts afresh. Every function here is an expression added
to the pass the loader makes anyway (an aggregate, a window, a join's projection).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import col, field
from medallion_orchestrator.loaders.events import DELETED, SEQUENCE
from medallion_orchestrator.loaders.spec import LoadSpec

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, WindowSpec

DELETED_AT = "__medallion_deleted_at"
_AT, _VALUE = "__medallion_at", "__medallion_value"


def ignored_columns(spec: LoadSpec, attributes: list[str]) -> list[str]:
    """The `attributes` whose NULL in an update is ignored; a listed column that is not one of
    them is an error naming it."""
    config = spec.cdc
    for name in ("ignore_null_updates_columns", "ignore_null_updates_except_columns"):
        if unknown := [c for c in getattr(config, name) or () if c not in attributes]:
            raise LoadError(
                f"{spec.destination}: cdc_source_config.{config.key(name)} names column(s) "
                f"{', '.join(unknown)}, not carried from {spec.source} to the target"
            )
    return config.null_ignoring(attributes)


def with_kept(latest: DataFrame, ignored: list[str]) -> DataFrame:
    """The last event of each key (events.latest_per_key with kept_aggregates): its `ignored`
    columns the newest non-NULL value since the key's last delete; `bookkeeping` columns kept."""
    return latest.withColumns(_kept_values(ignored)) if ignored else latest


def bookkeeping(ignored: list[str]) -> list[str]:
    """The columns with_kept adds: the last delete's sequence, each kept value's own."""
    return [DELETED_AT, *[_kept(c) for c in ignored]] if ignored else []


def kept_aggregates(ignored: list[str]) -> dict[str, Column]:
    """Per key, with the latest event: its newest delete and, per ignored column, the newest
    non-NULL value of an upsert and its sequence."""
    from pyspark.sql import functions as F

    if not ignored:
        return {}
    upserted = {
        _kept(c): F.max_by(
            F.struct(col(SEQUENCE).alias(_AT), col(c).alias(_VALUE)),
            F.when(~col(DELETED) & col(c).isNotNull(), col(SEQUENCE)),
        )
        for c in ignored
    }
    return {DELETED_AT: F.max(F.when(col(DELETED), col(SEQUENCE))), **upserted}


def _kept_values(ignored: list[str]) -> dict[str, Column]:
    """The ignored columns of the latest event, from kept_aggregates: the newest non-NULL value
    since the key's last delete."""
    from pyspark.sql import functions as F

    values = {}
    for c in ignored:
        since = col(DELETED_AT).isNull() | (field(_kept(c), _AT) > col(DELETED_AT))
        values[c] = F.when(since, field(_kept(c), _VALUE))
    return values


def over_target(
    name: str, stored: Column | None, incoming: Column | None = None, kept: Column | None = None
) -> Column:
    """An ignored column of the latest event `s` over the target row `t`: the target's value
    when the load deleted nothing of the key and its own kept value is none or older than the
    target's `stored` sequence (a late event never overwrites a newer one). `incoming` and
    `kept` stand for `s` and `t`'s values where they are brought to one type first."""
    from pyspark.sql import functions as F

    at = field("s", _kept(name)).getField(_AT)
    older = at.isNull() if stored is None else at.isNull() | (at < stored)
    keeps_target = field("s", DELETED_AT).isNull() & older
    incoming = field("s", name) if incoming is None else incoming
    return F.when(keeps_target, field("t", name) if kept is None else kept).otherwise(incoming)


def filled(ignored: frozenset[str], before: WindowSpec) -> dict[str, Column]:
    """The ignored columns of events in sequence order (`before`: the rows up to this one):
    the newest non-NULL value since the last delete."""
    from pyspark.sql import functions as F

    values = {}
    for c in sorted(ignored):
        value = F.struct(F.when(~col(DELETED), col(c)).alias(_VALUE))
        mark = F.when(col(DELETED) | col(c).isNotNull(), value)
        values[c] = F.last(mark, ignorenulls=True).over(before).getField(_VALUE)
    return values


def _kept(name: str) -> str:
    return f"__medallion_kept_{name}"
