"""`medallion sql`: statements on the local lakehouse, results as a table, JSON or CSV."""

from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING, TextIO

import sqlglot
from rich.console import Console
from rich.table import Table
from sqlglot import exp

from medallion_orchestrator.loaders.gold_sql import split_statements
from medallion_orchestrator.runtime.lakehouse import Lakehouse, LocalLakehouse

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

MAX_ROWS = 1000


def run_statements(lakehouse: Lakehouse, text: str, output_format: str, out: TextIO) -> None:
    """Run each statement; print the result of the last one."""
    frame = None
    for statement in split_statements(text):
        frame = lakehouse.sql(statement)
        _after_drop(lakehouse, statement)
    if frame is not None:
        _print(frame, output_format, out)


def _after_drop(lakehouse: Lakehouse, statement: str) -> None:
    """Locally tables are registered as external; DROP TABLE must remove the data too."""
    if not isinstance(lakehouse, LocalLakehouse):
        return
    try:
        parsed = sqlglot.parse_one(statement, read="databricks")
    except sqlglot.errors.ParseError:
        return
    if isinstance(parsed, exp.Drop) and parsed.kind == "TABLE":
        table = parsed.find(exp.Table)
        if table is not None and table.catalog:
            lakehouse.forget(table.catalog, table.db, table.name)


def _print(frame: DataFrame, output_format: str, out: TextIO) -> None:
    columns = frame.columns
    rows = (
        [row.asDict(recursive=True) for row in frame.limit(MAX_ROWS).collect()] if columns else []
    )
    if output_format == "json":
        out.write(json.dumps(rows, default=str, indent=2) + "\n")
    elif output_format == "csv":
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    elif not columns:
        out.write("OK\n")
    else:
        table = Table(*columns)
        for row in rows:
            table.add_row(*("NULL" if row[c] is None else str(row[c]) for c in columns))
        Console(file=out, width=200).print(table)
        out.write(f"{len(rows)} row(s)\n")
