"""The local names turned back into the user's: `dev_bronze__crm` is `dev_bronze.crm` to a user.

Open-source Spark has one catalog, `spark_catalog`, so locally the schema `dev_bronze.crm` is the
database `dev_bronze__crm`. Spark's messages and metadata rows speak of the latter; what a person
reads (errors, SHOW and DESCRIBE output, the tables, functions and schemas of pyspark's catalog
API) speaks of the former, as on Databricks.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from medallion_orchestrator.runtime.local_catalog import matches_like, split_database
from medallion_orchestrator.runtime.local_statements import CURRENT_CATALOG

if TYPE_CHECKING:
    from pyspark.sql.catalog import Database, Function, Table

Found = TypeVar("Found", "Table", "Function")

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


def user_object(found: Found) -> Found:
    """A Table or Function of pyspark's catalog API as Databricks shows it: catalog
    `spark_catalog` and namespace `["dev_bronze__crm"]` are `dev_bronze` and `["crm"]`.
    Temporary views, built-in functions and Spark's own databases are left as they are."""
    namespace = found.namespace or []
    local = found.catalog == CURRENT_CATALOG and len(namespace) == 1
    split = split_database(namespace[0]) if local else None
    return found if split is None else found._replace(catalog=split[0], namespace=[split[1]])


def user_database(database: Database) -> Database:
    """A Database of pyspark's catalog API: `dev_bronze__crm` is schema `crm` of `dev_bronze`."""
    split = split_database(database.name) if database.catalog == CURRENT_CATALOG else None
    return database if split is None else database._replace(catalog=split[0], name=split[1])


def schemas_of(databases: Iterable[Database], catalog: str, pattern: str | None) -> list[Database]:
    """The schemas of `catalog`, as `listDatabases` shows the current catalog's on Databricks.
    A schema that is both Spark's own and local (`default`) is shown once, as the local one."""
    shown: dict[str, Database] = {}
    for database in sorted(databases, key=lambda each: user_database(each) is not each):
        user = user_database(database)  # Spark's own first: the local one then takes its place
        if user.catalog == catalog and (pattern is None or matches_like(user.name, pattern)):
            shown[user.name] = user
    return [shown[name] for name in sorted(shown)]


def error_in_user_names(error: Exception, catalogs: Collection[str]) -> Exception:
    """Spark's own error, of the same class and JVM cause (so the same condition), with its
    message and stack trace in the user's names. `catalogs`: as for `user_names`."""
    text = getattr(error, "_desc", None)
    if not isinstance(text, str):
        return error
    # pyspark builds a captured error from the JVM's, and logs it: copy it instead
    shown = type(error).__new__(type(error))
    shown.__dict__.update(
        vars(error),
        _desc=user_names(text, catalogs),
        _stackTrace=user_names(str(getattr(error, "_stackTrace", "")), catalogs),
    )
    return shown
