"""The local names turned back into the user's: `dev_bronze__crm` is `dev_bronze.crm` to a user.

Open-source Spark has one catalog, `spark_catalog`, so locally the schema `dev_bronze.crm` is the
database `dev_bronze__crm`. Spark's messages and metadata rows speak of the latter; what a person
reads (errors, SHOW and DESCRIBE output) speaks of the former, as on Databricks.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

_SPARK_CATALOG = re.compile(r"(`?)spark_catalog\1\.(?=`?[A-Za-z0-9_]+__[A-Za-z0-9_]+)")
_DATABASE = re.compile(r"(?<![/\w.`])(`?)([A-Za-z0-9_]+?)__([A-Za-z0-9_]+)\1(?!\.db\b)(?![/\w`])")


def user_names(text: str, catalogs: Collection[str] | None = None) -> str:
    """`spark_catalog`.`a__b`.`t` -> `a`.`b`.`t`; a__b.t -> a.b.t; paths are left alone.

    With `catalogs`, only names in those catalogs are changed (a column may hold `__` too).
    """

    def replace(match: re.Match[str]) -> str:
        quote, catalog, schema = match.groups()
        if catalogs is not None and catalog.lower() not in catalogs:
            return match.group(0)
        return f"{quote}{catalog}{quote}.{quote}{schema}{quote}"

    return _DATABASE.sub(replace, _SPARK_CATALOG.sub("", text))


def user_rows(columns: Sequence[str], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SHOW / DESCRIBE rows as Unity Catalog prints them: schema columns hold the schema only."""
    for label, value in _DESCRIBE_COLUMNS:
        if label in columns and value in columns:
            _describe_names(rows, label, value)
    return [
        {
            column: _split(row[column])[1]
            if column in _SCHEMA_COLUMNS and isinstance(row[column], str)
            else _user_value(row[column])
            for column in columns
        }
        for row in rows
    ]


_DESCRIBE_COLUMNS = (
    ("col_name", "data_type"),
    ("info_name", "info_value"),
    ("database_description_item", "database_description_value"),
)
_SCHEMA_COLUMNS = {"namespace", "databaseName", "database"}
_CATALOG_ROWS = {"Catalog", "Catalog Name"}
_SCHEMA_ROWS = {"Database", "Namespace Name"}


def _describe_names(rows: list[dict[str, Any]], label: str, value: str) -> None:
    """DESCRIBE's `Catalog` / `Database` rows, from the local database name."""
    database = next((row[value] for row in rows if row.get(label) in _SCHEMA_ROWS), None)
    if not isinstance(database, str) or "__" not in database:
        return
    catalog, schema = _split(database)
    for row in rows:
        if row.get(label) in _CATALOG_ROWS:
            row[value] = catalog
        elif row.get(label) in _SCHEMA_ROWS:
            row[value] = schema


def _user_value(value: Any) -> Any:
    if isinstance(value, str) and not value.startswith("file:"):
        return user_names(value)
    return value


def _split(database: str) -> tuple[str, str]:
    catalog, separator, schema = database.partition("__")
    return (catalog, schema) if separator else ("spark_catalog", database)
