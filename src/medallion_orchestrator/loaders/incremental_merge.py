"""Incremental fact merge: the bronze rows at or past the committed watermark, merged by key.

The committed watermark is the largest `watermark_column` value in the target itself, so it
moves only when a MERGE commits: a failed run leaves it where it was and the next run reads the
same rows. The comparison is inclusive (`>=`): rows sharing the watermark value, even ones that
land after a load, are read again and merged idempotently, never lost; a rerun finds nothing to
change and commits nothing. Several rows of one key are ordered by `sequence_column`, else by
the watermark column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import (
    LoadResult,
    col,
    read_source,
    require_columns,
)
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.loaders.staging import Cache
from medallion_orchestrator.loaders.upsert import upsert_latest

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse


def load_incremental_merge(lakehouse: Lakehouse, spec: LoadSpec) -> LoadResult:
    keys = list(spec.primary_keys)
    watermark = spec.cdc.watermark_column
    source = read_source(lakehouse, spec)
    if watermark:
        require_columns(source, [watermark], spec, "watermark")
        source = past_committed_watermark(lakehouse, spec, source, watermark)
    with Cache() as cache:
        order = spec.cdc.sequence_columns or ((watermark,) if watermark else ())
        return upsert_latest(lakehouse, spec, source, keys, order, cache)


def past_committed_watermark(
    lakehouse: Lakehouse, spec: LoadSpec, source: DataFrame, watermark: str
) -> DataFrame:
    """The source rows whose watermark is at least the largest one in the target."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    target = spec.target(lakehouse)
    if not lakehouse.spark.catalog.tableExists(target):
        return source
    current = lakehouse.spark.table(target)
    if watermark not in current.columns:
        raise LoadError(
            f"{spec.destination}: watermark column {watermark} is not in the target, so the "
            "committed watermark is unknown"
        )
    if isinstance(current.schema[watermark].dataType, TimestampType):
        # Through microseconds, not a Python datetime: exact in every time zone.
        committed = current.agg(F.unix_micros(F.max(col(watermark)))).first()[0]
        bound = F.timestamp_micros(F.lit(committed))
    else:
        committed = current.agg(F.max(col(watermark))).first()[0]
        bound = F.lit(committed)
    if committed is None:
        return source
    return source.where(col(watermark) >= bound)
