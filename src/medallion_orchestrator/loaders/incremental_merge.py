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
    target_name,
)
from medallion_orchestrator.loaders.staging import Cache
from medallion_orchestrator.loaders.upsert import upsert_latest
from medallion_orchestrator.metadata.model import TaskRow

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse


def load_incremental_merge(lakehouse: Lakehouse, task: TaskRow) -> LoadResult:
    keys = list(task.primary_key_columns or ())
    watermark = task.cdc.watermark_column
    source = read_source(lakehouse, task)
    if watermark:
        require_columns(source, [watermark], task, "watermark")
        source = past_committed_watermark(lakehouse, task, source, watermark)
    with Cache() as cache:
        order = task.cdc.sequence_columns or ((watermark,) if watermark else ())
        return upsert_latest(lakehouse, task, source, keys, order, cache)


def past_committed_watermark(
    lakehouse: Lakehouse, task: TaskRow, source: DataFrame, watermark: str
) -> DataFrame:
    """The source rows whose watermark is at least the largest one in the target."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    target = target_name(lakehouse, task)
    if not lakehouse.spark.catalog.tableExists(target):
        return source
    current = lakehouse.spark.table(target)
    if watermark not in current.columns:
        raise LoadError(
            f"{task.destination}: watermark column {watermark} is not in the target, so the "
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
