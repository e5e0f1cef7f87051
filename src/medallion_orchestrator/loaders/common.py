"""What every loader shares: reading the bronze source, key checks, the result it reports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.metadata.model import TaskRow

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse


@dataclass(frozen=True)
class LoadResult:
    target: str
    rows_written: int
    target_version: int | None
    message: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "status": "SUCCESS",
                "target": self.target,
                "rows_written": self.rows_written,
                "target_version": self.target_version,
                "message": self.message,
            }
        )


def target_name(lakehouse: Lakehouse, task: TaskRow) -> str:
    assert task.dst_catalog and task.dst_schema and task.dst_table_name
    return lakehouse.table(task.dst_catalog, task.dst_schema, task.dst_table_name)


def read_source(lakehouse: Lakehouse, task: TaskRow) -> DataFrame:
    """The bronze table as it is; a missing table names itself."""
    assert task.src_catalog and task.src_schema and task.src_table_name
    name = lakehouse.table(task.src_catalog, task.src_schema, task.src_table_name)
    if not lakehouse.spark.catalog.tableExists(name):
        raise LoadError(f"{task.destination}: source table {task.source} does not exist")
    return lakehouse.spark.table(name)


def without_excluded(frame: DataFrame, task: TaskRow, keep: tuple[str, ...] = ()) -> DataFrame:
    """`exclude_columns` are never copied to silver (keys are never excluded)."""
    return frame.drop(
        *[c for c in task.cdc.exclude_columns if c in frame.columns and c not in keep]
    )


def require_columns(frame: DataFrame, columns: list[str], task: TaskRow, role: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise LoadError(
            f"{task.destination}: {role} column(s) {', '.join(missing)} missing from source "
            f"{task.source} (columns: {', '.join(frame.columns)})"
        )


def reject_null_keys(frame: DataFrame, keys: list[str], task: TaskRow) -> None:
    from pyspark.sql import functions as F

    counts = frame.select(
        *[F.sum(F.col(key).isNull().cast("int")).alias(key) for key in keys]
    ).first()
    bad = {key: counts[key] for key in keys if counts is not None and (counts[key] or 0) > 0}
    if bad:
        details = ", ".join(f"{key} ({count} row(s))" for key, count in bad.items())
        raise LoadError(f"{task.destination}: NULL in key column {details} of {task.source}")


def null_safe_changed(columns: list[str], left: str = "t", right: str = "s") -> str:
    """SQL: true when any column differs, NULL-safely (A->NULL and NULL->A count)."""
    if not columns:
        return "false"
    return " OR ".join(f"NOT ({left}.`{c}` <=> {right}.`{c}`)" for c in columns)


def key_match(keys: list[str], left: str = "t", right: str = "s") -> str:
    return " AND ".join(f"{left}.`{k}` = {right}.`{k}`" for k in keys)


def latest_version(lakehouse: Lakehouse, table: str) -> int | None:
    if not lakehouse.spark.catalog.tableExists(table):
        return None
    row = lakehouse.spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").select("version").first()
    return None if row is None else int(row["version"])


def last_operation_metrics(lakehouse: Lakehouse, table: str) -> dict[str, Any]:
    row = lakehouse.spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()
    return dict(row["operationMetrics"] or {}) if row is not None else {}
