"""What a gold SQL file writes and reads, from its text alone (sqlglot, Databricks dialect).

Contract:
- The file is split into statements as the gold loader splits it (`sql_statements`), and each
  statement is parsed on its own.
- `writes`: the tables a CREATE (TABLE, VIEW, MATERIALIZED VIEW, STREAMING TABLE), INSERT, MERGE,
  UPDATE, DELETE or `ALTER VIEW ... AS` writes.
- `reads`: every other table the statements name. Not reads: CTE names, temporary views the file
  creates, table functions, file paths, and the file's own writes.
- Both as lower-case `catalog.schema.table`, catalogs mapped back into the metadata rows' catalog
  space (`CatalogSpace`: with prod's `dev_gold: prod_gold`, `prod_gold.x.y` is `dev_gold.x.y`).
- `unqualified`: names written without a catalog, as written. They escape the environment's
  catalog mapping and match no row, so validation refuses them.
- USE, SET, DROP, CREATE SCHEMA and other statements name no table. A statement sqlglot keeps as
  an opaque command is ignored, unless it starts as a write (its tables would be unknown).
- A file that cannot be tokenized or parsed raises `SqlFileError` with the statement, its line in
  the file and sqlglot's message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from medallion_orchestrator.sql_statements import (
    materialized_view_creation,
    split_statements,
    without_leading_comments,
)

WRITES = (exp.Create, exp.Insert, exp.Merge, exp.Update, exp.Delete)
WRITTEN_KINDS = ("TABLE", "VIEW")  # of CREATE; materialized views and streaming tables included
WRITE_KEYWORDS = ("create", "insert", "merge", "replace", "alter", "update", "delete")
_TOKEN = re.compile(r"<Token token_type: [^,]*, text: ([^,]*), .*?>")


class SqlFileError(ValueError):
    """A SQL file that sqlglot cannot read: its message names the statement and the line."""


@dataclass(frozen=True)
class CatalogSpace:
    """Three-level names as the metadata rows write them, lower case.

    `back` maps an environment's catalog to the name rows use (the inverse of
    `Environment.catalogs`), so a file written with either name finds the same row.
    """

    back: Mapping[str, str]

    @classmethod
    def of(cls, catalogs: Mapping[str, str] | None) -> CatalogSpace:
        return cls({target.lower(): source.lower() for source, target in (catalogs or {}).items()})

    def name(self, catalog: str, schema: str, table: str) -> str:
        catalog = catalog.lower()
        return f"{self.back.get(catalog, catalog)}.{schema.lower()}.{table.lower()}"


@dataclass(frozen=True)
class SqlReferences:
    writes: tuple[str, ...]
    reads: tuple[str, ...]
    unqualified: tuple[str, ...]


def file_references(path: Path, space: CatalogSpace) -> SqlReferences:
    """The tables the file at `path` writes and reads; SqlFileError if it cannot be parsed."""
    return text_references(path.read_text(encoding="utf-8"), space)


def text_references(text: str, space: CatalogSpace) -> SqlReferences:
    writes: list[str] = []
    reads: list[str] = []
    unqualified: list[str] = []
    temporary: set[str] = set()
    for number, (line, statement) in enumerate(_statements(text), start=1):
        expression = _parse(statement, number, line)
        target = _target(expression)
        if target is not None and _is_temporary(expression):
            temporary.add(target.name.lower())
        elif target is not None:
            _add(target, space, writes, unqualified)
        for table in _read_tables(expression, target, temporary):
            _add(table, space, reads, unqualified)
    return SqlReferences(
        writes=tuple(dict.fromkeys(writes)),
        reads=tuple(name for name in dict.fromkeys(reads) if name not in writes),
        unqualified=tuple(dict.fromkeys(unqualified)),
    )


def _statements(text: str) -> list[tuple[int, str]]:
    """Each statement with the line of the file it starts on."""
    try:
        statements = split_statements(text)
    except SqlglotError as error:
        near = " ".join(str(error).removeprefix("Error tokenizing ").split())[-40:]
        raise SqlFileError(
            f"cannot be tokenized (an unclosed quote or comment?) near {near}"
        ) from error
    located, cursor = [], 0
    for statement in statements:
        cursor = text.find(statement, cursor)
        located.append((text.count("\n", 0, cursor) + 1, statement))
        cursor += len(statement)
    return located


def _parse(statement: str, number: int, line: int) -> exp.Expression:
    where = f"statement {number} (line {line})"
    if creation := materialized_view_creation(statement):
        statement = creation.plain
    try:
        expression = sqlglot.parse_one(statement, read="databricks")
    except ParseError as error:
        detail = error.errors[0] if error.errors else {}
        at = line + int(detail.get("line", 1)) - 1
        reason = _TOKEN.sub(r"'\1'", str(detail.get("description", error)))
        raise SqlFileError(f"statement {number} (line {at}): {_first_line(reason)}") from error
    except SqlglotError as error:
        raise SqlFileError(f"{where}: {_first_line(str(error))}") from error
    code = without_leading_comments(statement).lower()
    if isinstance(expression, exp.Command) and code.startswith(WRITE_KEYWORDS):
        raise SqlFileError(f"{where}: sqlglot reads it only as an opaque command")
    return expression


def _target(expression: exp.Expression) -> exp.Table | None:
    """The table a write statement writes, None for anything else."""
    if isinstance(expression, exp.Create) and expression.kind not in WRITTEN_KINDS:
        return None
    if isinstance(expression, exp.Alter) and not expression.find(exp.Query):
        return None
    if not isinstance(expression, (*WRITES, exp.Alter)):
        return None
    node = expression.this
    if isinstance(node, exp.Schema):  # CREATE TABLE t (columns), INSERT INTO t (columns)
        node = node.this
    return node if isinstance(node, exp.Table) else None


def _is_temporary(expression: exp.Expression) -> bool:
    properties = expression.args.get("properties")
    return isinstance(expression, exp.Create) and bool(
        properties and properties.find(exp.TemporaryProperty)
    )


def _read_tables(
    expression: exp.Expression, target: exp.Table | None, temporary: set[str]
) -> Iterable[exp.Table]:
    if isinstance(expression, exp.Alter):
        candidates = [
            t for query in expression.find_all(exp.Query) for t in query.find_all(exp.Table)
        ]
    elif isinstance(expression, (*WRITES, exp.Query)):
        candidates = list(expression.find_all(exp.Table))
    else:
        return []
    local = temporary | {cte.alias_or_name.lower() for cte in expression.find_all(exp.CTE)}
    return [
        table
        for table in candidates
        if table is not target
        and isinstance(table.this, exp.Identifier)
        and "/" not in table.name  # a file path: delta.`/path`
        and not (not table.db and table.name.lower() in local)
    ]


def _add(table: exp.Table, space: CatalogSpace, names: list[str], unqualified: list[str]) -> None:
    if table.catalog and table.db:
        names.append(space.name(table.catalog, table.db, table.name))
    else:
        unqualified.append(".".join(part for part in (table.db, table.name) if part))


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "cannot be parsed"
