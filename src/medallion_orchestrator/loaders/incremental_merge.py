"""Incremental fact merge: bronze rows at or past the committed watermark, merged by primary key.

The committed watermark is the largest watermark value in the target itself, so it moves only
when a MERGE commits; rows equal to it are read again and merged idempotently, never lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.loaders.common import (
    LoadResult,
    key_match,
    last_operation_metrics,
    latest_version,
    null_safe_changed,
    read_source,
    target_name,
)
from medallion_orchestrator.loaders.events import DELETED, INTERNAL, change_events, latest_per_key
from medallion_orchestrator.metadata.model import TaskRow

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse


def load_incremental_merge(lakehouse: Lakehouse, task: TaskRow) -> LoadResult:
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    keys = list(task.primary_key_columns or ())
    source = read_source(lakehouse, task)
    target = target_name(lakehouse, task)
    spark = lakehouse.spark
    watermark = task.cdc.watermark_column
    exists = spark.catalog.tableExists(target)
    if exists and watermark and watermark in spark.table(target).columns:
        committed = spark.table(target).agg(F.max(f"`{watermark}`")).first()[0]
        if committed is not None:
            source = source.where(F.col(f"`{watermark}`") >= F.lit(committed))
    latest = latest_per_key(change_events(source, task, keys), keys)
    attributes = [column for column in latest.columns if column not in (*keys, *INTERNAL)]
    if not exists:
        assert task.dst_catalog and task.dst_schema
        lakehouse.ensure_schema(task.dst_catalog, task.dst_schema)
        rows = latest.where(f"NOT {DELETED}").drop(*INTERNAL)
        rows.write.format("delta").saveAsTable(target)
        return LoadResult(
            task.destination, rows.count(), latest_version(lakehouse, target), "created"
        )
    existing = set(spark.table(target).columns)
    values = {f"`{column}`": f"s.`{column}`" for column in (*keys, *attributes)}
    changed = null_safe_changed([column for column in attributes if column in existing])
    (
        DeltaTable.forName(spark, target)
        .alias("t")
        .merge(latest.alias("s"), key_match(keys))
        .withSchemaEvolution()
        .whenMatchedDelete(condition=f"s.{DELETED}")
        .whenMatchedUpdate(condition=f"NOT s.{DELETED} AND ({changed})", set=values)
        .whenNotMatchedInsert(condition=f"NOT s.{DELETED}", values=values)
        .execute()
    )
    metrics = last_operation_metrics(lakehouse, target)
    written = sum(
        int(metrics.get(name, 0))
        for name in ("numTargetRowsInserted", "numTargetRowsUpdated", "numTargetRowsDeleted")
    )
    return LoadResult(task.destination, written, latest_version(lakehouse, target), "merged")
