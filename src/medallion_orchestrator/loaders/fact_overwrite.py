"""Fact overwrite: the whole bronze table replaces the silver one in one atomic commit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import (
    LoadResult,
    latest_version,
    read_source,
    target_name,
    without_excluded,
)
from medallion_orchestrator.metadata.model import TaskRow

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse


def load_fact_overwrite(lakehouse: Lakehouse, task: TaskRow) -> LoadResult:
    source = without_excluded(read_source(lakehouse, task), task)
    target = target_name(lakehouse, task)
    spark = lakehouse.spark
    assert task.dst_catalog and task.dst_schema
    lakehouse.ensure_schema(task.dst_catalog, task.dst_schema)
    if spark.catalog.tableExists(target):
        _check_schema(spark.table(target).schema, source.schema, task)
    source.write.format("delta").mode("overwrite").saveAsTable(target)
    rows = spark.table(target).count()
    return LoadResult(task.destination, rows, latest_version(lakehouse, target), "overwritten")


def _check_schema(current, incoming, task: TaskRow) -> None:  # type: ignore[no-untyped-def]
    old = {field.name: field.dataType.simpleString() for field in current.fields}
    new = {field.name: field.dataType.simpleString() for field in incoming.fields}
    if old == new:
        return
    changes = [f"+{name} {kind}" for name, kind in new.items() if name not in old]
    changes += [f"-{name}" for name in old if name not in new]
    changes += [
        f"{name} {old[name]}->{new[name]}" for name in new if name in old and old[name] != new[name]
    ]
    raise LoadError(
        f"{task.destination}: source {task.source} schema changed ({', '.join(changes)}); "
        "the target was left as it was"
    )
