"""`medallion sql` and `medallion shell`: statements on the local lakehouse, each result shown.

Every statement's result is printed, in order. `csv` and `json` print every row; `table` prints
up to `limit` rows and says how many there were. When a statement fails, the ones before it
have run (and committed): `StatementFailed` says which.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

TABLE_LIMIT = 1000
FORMATS = ("table", "json", "csv")


class StatementFailed(Exception):
    """Statement `index` (1-based) of `total` failed; those before it ran."""

    def __init__(self, index: int, total: int, statement: str, error: Exception) -> None:
        super().__init__(str(error))
        self.index, self.total, self.statement, self.error = index, total, statement, error

    def context(self) -> str:
        typed = " ".join(self.statement.split())
        typed = typed if len(typed) <= 120 else typed[:117] + "..."
        if self.total == 1:
            return f"in: {typed}"
        ran = (
            "none before it ran"
            if self.index == 1
            else ("statement 1 ran" if self.index == 2 else f"statements 1-{self.index - 1} ran")
        )
        return f"statement {self.index} of {self.total} failed ({ran}): {typed}"


@dataclass(frozen=True)
class Output:
    format: str = "table"
    limit: int = TABLE_LIMIT
    out: TextIO | None = None


def run_statements(lakehouse: Lakehouse, text: str, output: Output) -> int:
    """Run each statement and print its result; the number of statements run."""
    from medallion_orchestrator.loaders.gold_sql import split_statements

    statements = split_statements(text)
    for index, statement in enumerate(statements, start=1):
        try:
            frame = lakehouse.sql(statement)
            print_result(frame, output, first=index == 1)
        except Exception as error:
            raise StatementFailed(index, len(statements), statement, error) from error
    return len(statements)


def print_result(frame: DataFrame, output: Output, first: bool = True) -> None:
    import sys

    out = output.out or sys.stdout
    columns = frame.columns
    if output.format == "json":
        _json(frame, out)
    elif output.format == "csv":
        if not first:
            out.write("\n")
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in frame.toLocalIterator():
            writer.writerow(["" if v is None else _text(v) for v in row])
    elif not columns:
        out.write("OK\n")
    else:
        _table(frame, columns, output, out)
    out.flush()


def _json(frame: DataFrame, out: TextIO) -> None:
    out.write("[")
    for index, row in enumerate(frame.toLocalIterator()):
        out.write(",\n  " if index else "\n  ")
        out.write(json.dumps(row.asDict(recursive=True), default=str))
    out.write("\n]\n" if frame.columns else "]\n")


def _table(frame: DataFrame, columns: list[str], output: Output, out: TextIO) -> None:
    limit = output.limit
    rows = frame.collect() if limit <= 0 else frame.limit(limit + 1).collect()
    shown = rows if limit <= 0 else rows[:limit]
    cells = [["NULL" if value is None else _text(value) for value in row] for row in shown]
    from medallion_orchestrator.terminal import print_table

    print_table(columns, cells, out)
    if limit > 0 and len(rows) > limit:
        out.write(f"showing {limit} of {frame.count()} rows (--limit N shows more, 0 all)\n")
    else:
        out.write(f"{len(shown)} row(s)\n")


def _text(value: Any) -> str:
    """A cell as Databricks shows it: structs, arrays and maps as JSON, with field names."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list | dict):
        return json.dumps(_plain(value), default=str)
    return str(value)


def _plain(value: Any) -> Any:
    """Rows (structs) as dicts of their fields, all the way down; map keys as JSON keys."""
    from pyspark.sql import Row

    if isinstance(value, Row):
        return {name: _plain(item) for name, item in value.asDict().items()}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {_key(key): _plain(item) for key, item in value.items()}
    return value


def _key(key: Any) -> Any:
    return key if isinstance(key, str | int | float | bool) or key is None else str(key)
