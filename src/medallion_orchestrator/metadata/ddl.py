"""The DDL files under metadata/ddl/, run with the table name of this environment."""

from __future__ import annotations

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
