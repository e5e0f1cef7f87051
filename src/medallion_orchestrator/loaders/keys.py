"""NULL keys: never merged. The spec fails naming table, column and row count, or, when the row
sets `quarantine_table`, those bronze rows are kept there (once each) and the load goes on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import col
from medallion_orchestrator.loaders.predicates import any_of
from medallion_orchestrator.loaders.spec import LoadSpec

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
    lakehouse: Lakehouse, spec: LoadSpec, source: DataFrame, keys: list[str], counts: dict[str, int]
) -> None:
    """Raise naming every key column with NULLs, unless they go to the quarantine table."""
    bad = {key: count for key, count in counts.items() if count}
    if not bad:
        return
    if spec.cdc.quarantine_table is None:
        details = ", ".join(f"{key} ({count} row(s))" for key, count in bad.items())
        raise LoadError(f"{spec.destination}: NULL in key column {details} of {spec.source}")
    quarantine(lakehouse, spec, source.where(any_null(keys)), keys)


def quarantine(lakehouse: Lakehouse, spec: LoadSpec, rows: DataFrame, keys: list[str]) -> int:
    """Append the rows not quarantined yet for this target (a rerun adds nothing)."""
    from pyspark.sql import functions as F

    assert spec.cdc.quarantine_table
    catalog, schema, name = spec.cdc.quarantine_table.split(".")
    lakehouse.ensure_schema(catalog, schema)
    table = lakehouse.table(catalog, schema, name)
    lakehouse.spark.sql(f"CREATE TABLE IF NOT EXISTS {table} ({QUARANTINE_SCHEMA}) USING DELTA")
    fresh = (
        rows.select(F.to_json(F.struct(*[col(c) for c in rows.columns])).alias("row_json"))
        .distinct()
        .join(
            lakehouse.spark.table(table)
            .where(F.col("target_table") == spec.destination)
            .select("row_json"),
            "row_json",
            "left_anti",
        )
        .select(
            F.lit(spec.destination).alias("target_table"),
            F.lit(spec.source).alias("source_table"),
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
