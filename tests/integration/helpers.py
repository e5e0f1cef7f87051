"""Small builders for integration tests: bronze tables and metadata rows."""

from __future__ import annotations

import json
from typing import Any

import fakes
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.runtime.lakehouse import Lakehouse

FIVETRAN = {
    "sequence_column": "_fivetran_synced",
    "delete_condition": "_fivetran_deleted = true",
    "exclude_columns": ["_fivetran_deleted"],
}


def write_table(lakehouse: Lakehouse, name: str, rows: list[tuple[Any, ...]], schema: str) -> None:
    catalog, db, table = name.split(".")
    lakehouse.ensure_schema(catalog, db)
    frame = lakehouse.spark.createDataFrame(rows, schema)
    frame.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(
        lakehouse.table(catalog, db, table)
    )


def read_table(lakehouse: Lakehouse, name: str, order_by: str) -> list[dict[str, Any]]:
    frame = lakehouse.spark.table(lakehouse.table_of(name)).orderBy(*order_by.split(","))
    return [row.asDict() for row in frame.collect()]


def version(lakehouse: Lakehouse, name: str) -> int | None:
    """The table's newest Delta version; None when there is no table."""
    table = lakehouse.table_of(name)
    if not lakehouse.spark.catalog.tableExists(table):
        return None
    return int(lakehouse.spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()["version"])


def task_row(
    source: str,
    destination: str,
    pipeline: str,
    order: int = 1,
    keys: list[str] | None = None,
    config: dict[str, Any] | None = None,
    layer: str = "bronze_to_silver",
    **extra: Any,
) -> TaskRow:
    """fakes.task_row for real tables, named catalog.schema.table; `keys` are the business keys
    (the primary keys of an incremental merge)."""
    src = source.split(".") if source else [None, None, None]
    catalog, schema, name = destination.split(".")
    key_column = (
        "primary_key_columns" if pipeline == "fact_incremental_merge" else "business_key_columns"
    )
    row = fakes.task_row(
        src_system="test",
        src_catalog=src[0],
        src_schema=src[1],
        src_table_name=src[2],
        dst_catalog=catalog,
        dst_schema=schema,
        dst_table_name=name,
        layer=layer,
        execution_order=order,
        execution_pipeline=pipeline,
        business_key_columns=None,
        cdc_source_config=json.dumps(config) if config else None,
    )
    return TaskRow.from_mapping(row.to_dict() | {key_column: keys} | extra)


def gold_row(destination: str, sql_file_path: str) -> TaskRow:
    """An active gold_sql row of silver_to_gold with no execution_order: its SQL orders it."""
    return task_row(
        "",
        destination,
        "gold_sql",
        layer="silver_to_gold",
        order=None,  # type: ignore[arg-type]
        sql_file_path=sql_file_path,
    )
