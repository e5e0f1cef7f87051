"""Gold SQL: runs the statements of the row's SQL file, names mapped for this lakehouse."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import LoadResult, latest_version, target_name
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.sql_statements import split_statements

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse


def load_gold_sql(lakehouse: Lakehouse, task: TaskRow, sql_dir: Path) -> LoadResult:
    path = sql_file(task, sql_dir)
    statements = split_statements(path.read_text())
    if not statements:
        raise LoadError(f"{task.destination}: {task.sql_file_path} holds no statement")
    assert task.dst_catalog and task.dst_schema
    lakehouse.ensure_schema(task.dst_catalog, task.dst_schema)
    for number, statement in enumerate(statements, start=1):
        try:
            lakehouse.sql(statement)
        except Exception as error:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise LoadError(
                f"{task.destination}: {task.sql_file_path} statement {number}: {first}"
            ) from error
    target = target_name(lakehouse, task)
    if not lakehouse.spark.catalog.tableExists(target):
        raise LoadError(
            f"{task.destination}: {task.sql_file_path} ran but did not create {task.destination}"
        )
    rows = lakehouse.spark.table(target).count()
    return LoadResult(
        task.destination, rows, latest_version(lakehouse, target), f"{len(statements)} statement(s)"
    )


def sql_file(task: TaskRow, sql_dir: Path) -> Path:
    """The row's SQL file, refused if it leaves the SQL folder."""
    root = sql_dir.resolve()
    candidate = (root / (task.sql_file_path or "")).resolve()
    if not task.sql_file_path or not candidate.is_relative_to(root) or not candidate.is_file():
        raise LoadError(
            f"{task.destination}: sql_file_path {task.sql_file_path!r} is not a file under {root}"
        )
    return candidate
