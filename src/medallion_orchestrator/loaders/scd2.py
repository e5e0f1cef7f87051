"""SCD type 2: each change of the tracked columns becomes a version with its validity interval.

One MERGE over a staged set: rows keyed to the current version close or update it in place;
rows with a NULL merge key insert new versions (the approach of mack, made NULL-safe).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.loaders.common import (
    LoadResult,
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
    from pyspark.sql import DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

EFFECTIVE_FROM = "effective_from"
EFFECTIVE_TO = "effective_to"
IS_CURRENT = "is_current"
ACTION = "__medallion_action"
MERGE_KEY = "__medallion_merge_key_"


def load_scd2(lakehouse: Lakehouse, task: TaskRow) -> LoadResult:
    from pyspark.sql import functions as F

    keys = list(task.business_key_columns or ())
    events = change_events(read_source(lakehouse, task), task, keys)
    if not task.cdc.sequence_column:
        events = events.withColumn(SEQUENCE, F.current_timestamp())
    latest = latest_per_key(events, keys)
    attributes = [column for column in latest.columns if column not in (*keys, *INTERNAL)]
    target = target_name(lakehouse, task)
    if not lakehouse.spark.catalog.tableExists(target):
        assert task.dst_catalog and task.dst_schema
        lakehouse.ensure_schema(task.dst_catalog, task.dst_schema)
        rows = _as_versions(latest.where(f"NOT {DELETED}"), keys, attributes)
        rows.write.format("delta").saveAsTable(target)
        return LoadResult(
            task.destination, rows.count(), latest_version(lakehouse, target), "created"
        )
    staged = _staged_changes(lakehouse, task, latest, keys, attributes, target)
    _merge(lakehouse, target, staged, keys, attributes)
    metrics = last_operation_metrics(lakehouse, target)
    written = int(metrics.get("numTargetRowsInserted", 0)) + int(
        metrics.get("numTargetRowsUpdated", 0)
    )
    return LoadResult(task.destination, written, latest_version(lakehouse, target), "merged")


def tracked_columns(task: TaskRow, attributes: list[str]) -> list[str]:
    config = task.cdc
    candidates = [column for column in attributes if column != config.sequence_column]
    if config.track_history_columns is not None:
        return [column for column in candidates if column in config.track_history_columns]
    excluded = set(config.track_history_except_columns or ())
    return [column for column in candidates if column not in excluded]


def _as_versions(events: DataFrame, keys: list[str], attributes: list[str]) -> DataFrame:
    from pyspark.sql import functions as F

    return events.select(
        *[F.col(f"`{column}`") for column in (*keys, *attributes)],
        F.col(SEQUENCE).alias(EFFECTIVE_FROM),
        F.lit(None).cast(events.schema[SEQUENCE].dataType).alias(EFFECTIVE_TO),
        F.lit(True).alias(IS_CURRENT),
    )


def _staged_changes(
    lakehouse: Lakehouse,
    task: TaskRow,
    latest: DataFrame,
    keys: list[str],
    attributes: list[str],
    target: str,
) -> DataFrame:
    from pyspark.sql import functions as F

    current = lakehouse.spark.table(target).where(F.col(IS_CURRENT))
    existing = set(current.columns)
    tracked = [column for column in tracked_columns(task, attributes) if column in existing]
    in_place = [column for column in attributes if column not in tracked and column in existing]
    joined = latest.alias("s").join(
        current.alias("t"), on=[F.col(f"s.`{k}`") == F.col(f"t.`{k}`") for k in keys], how="left"
    )
    found = F.col(f"t.`{EFFECTIVE_FROM}`").isNotNull()
    newer = F.col(f"s.{SEQUENCE}") > F.col(f"t.`{EFFECTIVE_FROM}`")
    changed = F.expr(null_safe_changed(tracked))
    touched = F.expr(null_safe_changed(in_place))
    deleted = F.col(f"s.{DELETED}")
    action = (
        F.when(~found & ~deleted, "insert")
        .when(found & newer & deleted, "close")
        .when(found & newer & changed, "close_and_insert")
        .when(found & ~changed & ~deleted & touched, "update_in_place")
    )
    staged = joined.select("s.*", action.alias(ACTION)).where(F.col(ACTION).isNotNull())
    if task.cdc.full_extract:
        staged = staged.unionByName(_missing_keys(latest, current, keys), allowMissingColumns=True)
    keyed = staged.where(F.col(ACTION) != "insert")
    inserts = staged.where(F.col(ACTION).isin("insert", "close_and_insert"))
    merge_keys = [F.col(f"`{k}`").alias(f"{MERGE_KEY}{k}") for k in keys]
    null_keys = [F.lit(None).alias(f"{MERGE_KEY}{k}") for k in keys]
    return keyed.select("*", *merge_keys).unionByName(
        inserts.withColumn(ACTION, F.lit("insert")).select("*", *null_keys)
    )


def _missing_keys(latest: DataFrame, current: DataFrame, keys: list[str]) -> DataFrame:
    """Full extract: a current key absent from the source is deleted at load time."""
    from pyspark.sql import functions as F

    gone = current.join(latest, on=keys, how="left_anti")
    return gone.select(
        *[F.col(f"`{k}`") for k in keys],
        F.lit(True).alias(DELETED),
        F.current_timestamp().cast(latest.schema[SEQUENCE].dataType).alias(SEQUENCE),
        F.lit("close").alias(ACTION),
    )


def _merge(
    lakehouse: Lakehouse, target: str, staged: DataFrame, keys: list[str], attributes: list[str]
) -> None:
    from delta.tables import DeltaTable

    match = " AND ".join(f"t.`{k}` = s.`{MERGE_KEY}{k}`" for k in keys) + f" AND t.`{IS_CURRENT}`"
    existing = set(lakehouse.spark.table(target).columns)
    in_place = {f"`{c}`": f"s.`{c}`" for c in attributes if c in existing}
    insert = {f"`{c}`": f"s.`{c}`" for c in (*keys, *attributes)}
    insert |= {
        f"`{EFFECTIVE_FROM}`": f"s.{SEQUENCE}",
        f"`{EFFECTIVE_TO}`": "NULL",
        f"`{IS_CURRENT}`": "true",
    }
    (
        DeltaTable.forName(lakehouse.spark, target)
        .alias("t")
        .merge(staged.alias("s"), match)
        .withSchemaEvolution()
        .whenMatchedUpdate(
            condition=f"s.{ACTION} IN ('close', 'close_and_insert')",
            set={f"`{IS_CURRENT}`": "false", f"`{EFFECTIVE_TO}`": f"s.{SEQUENCE}"},
        )
        .whenMatchedUpdate(condition=f"s.{ACTION} = 'update_in_place'", set=in_place)
        .whenNotMatchedInsert(condition=f"s.{ACTION} = 'insert'", values=insert)
        .execute()
    )
