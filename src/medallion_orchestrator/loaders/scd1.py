"""SCD type 1: the latest event per business key, upserted; deletes remove the row."""

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
from medallion_orchestrator.loaders.events import (
    DELETED,
    INTERNAL,
    SEQUENCE,
    change_events,
    latest_per_key,
)
from medallion_orchestrator.metadata.model import TaskRow

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse


def load_scd1(lakehouse: Lakehouse, task: TaskRow) -> LoadResult:
    from delta.tables import DeltaTable

    keys = list(task.business_key_columns or ())
    latest = latest_per_key(change_events(read_source(lakehouse, task), task, keys), keys)
    target = target_name(lakehouse, task)
    attributes = [column for column in latest.columns if column not in (*keys, *INTERNAL)]
    spark = lakehouse.spark
    if not spark.catalog.tableExists(target):
        assert task.dst_catalog and task.dst_schema
        lakehouse.ensure_schema(task.dst_catalog, task.dst_schema)
        rows = latest.where(f"NOT {DELETED}").drop(*INTERNAL)
        rows.write.format("delta").saveAsTable(target)
        return LoadResult(
            task.destination, rows.count(), latest_version(lakehouse, target), "created"
        )

    sequence = task.cdc.sequence_column
    existing = set(spark.table(target).columns)
    newer = (
        f" AND (t.`{sequence}` IS NULL OR s.{SEQUENCE} >= t.`{sequence}`)"
        if sequence in existing
        else ""
    )
    compared = [column for column in attributes if column != sequence and column in existing]
    values = {f"`{column}`": f"s.`{column}`" for column in (*keys, *attributes)}
    merge = (
        DeltaTable.forName(spark, target)
        .alias("t")
        .merge(latest.alias("s"), key_match(keys))
        .withSchemaEvolution()
        .whenMatchedDelete(condition=f"s.{DELETED}{newer}")
        .whenMatchedUpdate(
            condition=f"NOT s.{DELETED} AND ({null_safe_changed(compared)}){newer}", set=values
        )
        .whenNotMatchedInsert(condition=f"NOT s.{DELETED}", values=values)
    )
    if task.cdc.full_extract:
        merge = merge.whenNotMatchedBySourceDelete()
    merge.execute()
    metrics = last_operation_metrics(lakehouse, target)
    written = sum(
        int(metrics.get(name, 0))
        for name in ("numTargetRowsInserted", "numTargetRowsUpdated", "numTargetRowsDeleted")
    )
    return LoadResult(task.destination, written, latest_version(lakehouse, target), "merged")
