"""The DDL files under metadata/ddl/, run with the table name of this environment.

Columns are only ever added at the end of a file, never renamed: a table an older version
created gets the missing ones with `add_columns_statement`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import sqlglot
from sqlglot import exp

from medallion_orchestrator.errors import ConfigError


def create_statement(ddl_file: Path, table_name: str) -> str:
    """The file's CREATE TABLE with its table replaced by `catalog.schema.table`."""
    create = sqlglot.parse_one(ddl_file.read_text(), read="databricks")
    table = create.find(exp.Table)
    if table is None:
        raise ConfigError(f"{ddl_file} names no table")
    catalog, schema, name = table_name.split(".")
    table.set("catalog", exp.to_identifier(catalog))
    table.set("db", exp.to_identifier(schema))
    table.set("this", exp.to_identifier(name))
    return create.sql(dialect="databricks")


def view_statement(ddl_file: Path, catalog: str, schema: str) -> str:
    """The file's CREATE VIEW, every table it names moved to `catalog.schema`."""
    create = sqlglot.parse_one(ddl_file.read_text(), read="databricks")
    for table in create.find_all(exp.Table):
        table.set("catalog", exp.to_identifier(catalog))
        table.set("db", exp.to_identifier(schema))
    return create.sql(dialect="databricks")


def columns(ddl_file: Path) -> list[tuple[str, str]]:
    """The file's columns, in order: name and type as Databricks SQL writes it."""
    create = sqlglot.parse_one(ddl_file.read_text(), read="databricks")
    return [
        (column.name, column.args["kind"].sql(dialect="databricks"))
        for column in create.find_all(exp.ColumnDef)
    ]


def add_columns_statement(ddl_file: Path, table_name: str, existing: Iterable[str]) -> str | None:
    """`ALTER TABLE ... ADD COLUMNS` for the file's columns the table lacks; None if none."""
    present = {name.lower() for name in existing}
    missing = [f"{name} {kind}" for name, kind in columns(ddl_file) if name.lower() not in present]
    if not missing:
        return None
    return f"ALTER TABLE {table_name} ADD COLUMNS ({', '.join(missing)})"
