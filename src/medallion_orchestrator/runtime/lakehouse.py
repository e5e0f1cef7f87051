"""Table names and SQL text as the lakehouse sees them: Unity Catalog, or the local mapping.

Locally, open-source Spark has one Delta catalog, so `catalog.schema.table` becomes the database
`catalog__schema`; tables persist as Delta folders under the home and are registered in the
session's catalog the first time a statement or loader names them.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

LOCAL_SEPARATOR = "__"
_THREE_PART = re.compile(r"`?\b(\w+)`?\.`?(\w+)`?\.`?(\w+)\b`?")
_SHOW_TABLES = re.compile(r"(?i)^(\s*SHOW\s+TABLES\s+(?:IN|FROM)\s+)`?(\w+)`?\.`?(\w+)`?")


def quote(*parts: str) -> str:
    return ".".join(f"`{part}`" for part in parts)


class Lakehouse:
    """Unity Catalog names (Databricks): a catalog mapping per environment, nothing else."""

    def __init__(self, spark: SparkSession, catalogs: Mapping[str, str] | None = None) -> None:
        self.spark = spark
        self.catalogs = {name.lower(): value for name, value in (catalogs or {}).items()}

    def catalog(self, name: str) -> str:
        return self.catalogs.get(name.lower(), name)

    def table(self, catalog: str, schema: str, name: str) -> str:
        """The quoted name to give Spark for a metadata three-level name."""
        return quote(self.catalog(catalog), schema, name)

    def table_of(self, three_level_name: str) -> str:
        parts = three_level_name.split(".")
        if len(parts) != 3:
            raise ValueError(f"expected catalog.schema.table, got {three_level_name!r}")
        return self.table(*parts)

    def schema(self, catalog: str, schema: str) -> str:
        return quote(self.catalog(catalog), schema)

    def ensure_schema(self, catalog: str, schema: str) -> None:
        self.spark.sql(f"CREATE SCHEMA IF NOT EXISTS {self.schema(catalog, schema)}")

    def table_exists(self, catalog: str, schema: str, name: str) -> bool:
        return bool(self.spark.catalog.tableExists(self.table(catalog, schema, name)))

    def rewrite(self, statement: str) -> str:
        if not self.catalogs:
            return statement
        return _rewrite_three_part(statement, self.table, self.schema)

    def sql(self, statement: str, args: Mapping[str, Any] | None = None) -> DataFrame:
        return self.spark.sql(self.rewrite(statement), args=dict(args) if args else None)


class LocalLakehouse(Lakehouse):
    """Three-level names mapped onto databases `catalog__schema` under `warehouse`."""

    def __init__(
        self, spark: SparkSession, warehouse: Path, catalogs: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(spark, catalogs)
        self.warehouse = warehouse
        self._registered: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def database(self, catalog: str, schema: str) -> str:
        return f"{self.catalog(catalog)}{LOCAL_SEPARATOR}{schema}".lower()

    def table(self, catalog: str, schema: str, name: str) -> str:
        database = self.database(catalog, schema)
        self._register(database, name.lower())
        return quote(database, name.lower())

    def schema(self, catalog: str, schema: str) -> str:
        return quote(self.database(catalog, schema))

    def table_location(self, catalog: str, schema: str, name: str) -> Path:
        return self.warehouse / f"{self.database(catalog, schema)}.db" / name.lower()

    def rewrite(self, statement: str) -> str:
        if show := _SHOW_TABLES.match(statement):
            database = self.database(show.group(2), show.group(3))
            self.register_database(database)
            return f"{show.group(1)}{quote(database)}{statement[show.end() :]}"
        return _rewrite_three_part(statement, self.table, self.schema)

    def register_database(self, database: str) -> None:
        folder = self.warehouse / f"{database}.db"
        if folder.is_dir():
            for table in sorted(folder.iterdir()):
                self._register(database, table.name)

    def forget(self, catalog: str, schema: str, name: str) -> None:
        """After DROP TABLE: remove the folder too (tables are registered as external)."""
        import shutil

        location = self.table_location(catalog, schema, name)
        with self._lock:
            self._registered.discard((self.database(catalog, schema), name.lower()))
            if location.is_dir():
                shutil.rmtree(location)

    def _register(self, database: str, name: str) -> None:
        key = (database, name)
        if key in self._registered:
            return
        with self._lock:
            if key in self._registered:
                return
            location = self.warehouse / f"{database}.db" / name
            if (location / "_delta_log").is_dir():
                self.spark.sql(f"CREATE DATABASE IF NOT EXISTS {quote(database)}")
                if not self.spark.catalog.tableExists(quote(database, name)):
                    self.spark.sql(
                        f"CREATE TABLE IF NOT EXISTS {quote(database, name)} USING DELTA "
                        f"LOCATION '{_sql_string(str(location))}'"
                    )
                self._registered.add(key)


def _rewrite_three_part(statement: str, table: Any, schema: Any) -> str:
    """Rewrite every catalog.schema.table (and CREATE/DROP SCHEMA catalog.schema)."""
    try:
        expressions = sqlglot.parse(statement, read="databricks")
    except sqlglot.errors.ParseError:
        expressions = []
    if len(expressions) != 1 or expressions[0] is None or isinstance(expressions[0], exp.Command):
        return _THREE_PART.sub(lambda m: table(m.group(1), m.group(2), m.group(3)), statement)
    expression = expressions[0]
    changed = False
    for node in list(expression.find_all(exp.Table)):
        if not node.catalog:
            continue
        changed = True
        if node.name:
            replacement = sqlglot.parse_one(
                table(node.catalog, node.db, node.name), into=exp.Table, read="spark"
            )
        else:
            replacement = sqlglot.parse_one(
                schema(node.catalog, node.db), into=exp.Table, read="spark"
            )
        for arg, value in node.args.items():
            if arg not in ("this", "db", "catalog") and value is not None:
                replacement.set(arg, value)
        node.replace(replacement)
    return expression.sql(dialect="spark") if changed else statement


def _sql_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def lakehouse_for(spark: SparkSession, catalogs: Mapping[str, str] | None = None) -> Lakehouse:
    """Chain: the local session we started (it carries its home) -> local; else Unity Catalog."""
    from medallion_orchestrator.runtime.local_spark import HOME_CONF

    home = spark.conf.get(HOME_CONF, None)
    if home and "DATABRICKS_RUNTIME_VERSION" not in os.environ:
        return _local_lakehouses(spark, Path(home), catalogs)
    return Lakehouse(spark, catalogs)


_local_cache: dict[tuple[int, str, tuple[tuple[str, str], ...]], LocalLakehouse] = {}
_cache_lock = threading.Lock()


def _local_lakehouses(
    spark: SparkSession, home: Path, catalogs: Mapping[str, str] | None
) -> LocalLakehouse:
    from medallion_orchestrator.runtime.local_spark import warehouse_dir

    key = (id(spark), str(home), tuple(sorted((catalogs or {}).items())))
    with _cache_lock:
        if key not in _local_cache:
            _local_cache[key] = LocalLakehouse(spark, warehouse_dir(home), catalogs)
        return _local_cache[key]
