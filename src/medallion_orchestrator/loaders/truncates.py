"""AUTO CDC's `apply_as_truncates` (SCD1): a truncate event empties the target of everything
sequenced before it, then the events after it apply, all in the load's one commit.

The truncate rows leave the source before its keys are checked (a truncate has no key). Only
the newest truncate counts: the load's events sequenced before it are dropped, and upsert.py
deletes each target row stored before it (every row, when silver keeps no sequence columns)
that no later event writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import literal, ordered_by
from medallion_orchestrator.loaders.spec import LoadSpec

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame


def without_truncates(
    spec: LoadSpec, source: DataFrame, order: tuple[str, ...]
) -> tuple[DataFrame, Column | None]:
    """The source without its truncate rows, and the newest truncate's sequence (a literal of
    the sequence's type), None when there is none."""
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F

    condition = spec.cdc.truncate_condition
    if condition is None:
        return source, None
    try:
        marked = F.coalesce(F.expr(condition), F.lit(False))
        truncates = source.where(marked).select(ordered_by(order).alias("at"))
        kind = truncates.schema["at"].dataType
    except AnalysisException as error:
        raise LoadError(
            f"{spec.destination}: cdc_source_config.{spec.cdc.key('truncate_condition')} "
            f"{condition!r} does not apply to source {spec.source}: "
            f"{str(error).splitlines()[0]}"
        ) from None
    row = truncates.agg(F.max("at"), F.count_if(F.col("at").isNull())).first()
    assert row is not None
    if row[1]:
        raise LoadError(
            f"{spec.destination}: NULL in sequence column {', '.join(order)} "
            f"({row[1]} truncate row(s)) of {spec.source}"
        )
    newest = None if row[0] is None else literal(row[0], kind)
    return source.where(~marked), newest


def before_truncate(stored: Column | None, truncated_at: Column | None) -> Column:
    """Whether the target row, `stored` at its sequence (None: silver keeps none), was
    emptied by the truncate at `truncated_at` (None: no truncate)."""
    from pyspark.sql import functions as F

    if truncated_at is None:
        return F.lit(False)
    if stored is None:
        return F.lit(True)
    return F.coalesce(stored < truncated_at, F.lit(True))
