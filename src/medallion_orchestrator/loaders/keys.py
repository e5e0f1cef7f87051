"""NULL keys: never merged. The task fails naming table, column and row count, or, when the row
sets `quarantine_table`, those bronze rows are kept there (once each) and the load goes on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import col
from medallion_orchestrator.loaders.predicates import any_of
from medallion_orchestrator.metadata.model import TaskRow

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

QUARANTINE_SCHEMA = (
    "target_table STRING, source_table STRING, key_columns ARRAY<STRING>, "
    "row_json STRING, quarantined_at TIMESTAMP"
)


def any_null(keys: list[str]) -> Column:

    return any_of([col(key).isNull() for key in keys])


def null_key_counts(frame: DataFrame, keys: list[str], weight: Column | None = None) -> Column:
    """One aggregate column per key: how many rows (or the sum of `weight`) have it NULL."""
    from pyspark.sql import functions as F

    one = weight if weight is not None else F.lit(1)
    return F.struct(
        *[F.sum(F.when(col(key).isNull(), one).otherwise(0)).alias(key) for key in keys]
    )


def handle_null_keys(
    lakehouse: Lakehouse, task: TaskRow, source: DataFrame, keys: list[str], counts: dict[str, int]
) -> None:
    """Raise naming every key column with NULLs, unless they go to the quarantine table."""
    bad = {key: count for key, count in counts.items() if count}
    if not bad:
        return
    if task.cdc.quarantine_table is None:
        details = ", ".join(f"{key} ({count} row(s))" for key, count in bad.items())
        raise LoadError(f"{task.destination}: NULL in key column {details} of {task.source}")
    quarantine(lakehouse, task, source.where(any_null(keys)), keys)


def quarantine(lakehouse: Lakehouse, task: TaskRow, rows: DataFrame, keys: list[str]) -> int:
    """Append the rows not quarantined yet for this target (a rerun adds nothing)."""
    from pyspark.sql import functions as F

    assert task.cdc.quarantine_table
    catalog, schema, name = task.cdc.quarantine_table.split(".")
    lakehouse.ensure_schema(catalog, schema)
    table = lakehouse.table(catalog, schema, name)
    lakehouse.spark.sql(f"CREATE TABLE IF NOT EXISTS {table} ({QUARANTINE_SCHEMA}) USING DELTA")
    fresh = (
        rows.select(F.to_json(F.struct(*[col(c) for c in rows.columns])).alias("row_json"))
        .distinct()
        .join(
            lakehouse.spark.table(table)
            .where(F.col("target_table") == task.destination)
            .select("row_json"),
            "row_json",
            "left_anti",
        )
        .select(
            F.lit(task.destination).alias("target_table"),
            F.lit(task.source).alias("source_table"),
            F.array(*[F.lit(key) for key in keys]).alias("key_columns"),
            "row_json",
            F.current_timestamp().alias("quarantined_at"),
        )
        .localCheckpoint()
    )
    count = fresh.count()
    if count:
        fresh.write.format("delta").mode("append").saveAsTable(table)
    return count


def move_quarantined(lakehouse: Lakehouse, task: TaskRow, to: TaskRow) -> None:
    """The rows quarantined for `task`'s target become `to`'s (but those `to` has already), in
    one MERGE: what a full refresh's scratch load quarantined belongs to the refreshed table."""
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    if task.cdc.quarantine_table is None:
        return
    table = lakehouse.table_of(task.cdc.quarantine_table)
    if not lakehouse.spark.catalog.tableExists(table):
        return
    moved = lakehouse.spark.table(table).where(F.col("target_table") == task.destination)
    if not moved.take(1):
        return
    kept = [name for name in moved.columns if name != "target_table"]
    rows = moved.select(F.lit(to.destination).alias("match_table"), *kept).unionByName(
        moved.select(F.lit(task.destination).alias("match_table"), *kept)
    )
    values = {name: f"s.`{name}`" for name in kept} | {"target_table": "s.match_table"}
    (
        DeltaTable.forName(lakehouse.spark, table)
        .alias("t")
        .merge(rows.alias("s"), "t.target_table = s.match_table AND t.row_json = s.row_json")
        .whenMatchedDelete(condition=F.col("s.match_table") == F.lit(task.destination))
        .whenNotMatchedInsert(values=values)
        .execute()
    )
