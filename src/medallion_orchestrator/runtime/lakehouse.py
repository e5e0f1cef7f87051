"""Table names and SQL text as the lakehouse sees them: Unity Catalog, or the local mapping.

Locally, open-source Spark has one Delta catalog, so `catalog.schema.table` becomes the database
`catalog__schema` (`local_lakehouse.LocalLakehouse`, which keeps its catalog under the home).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from medallion_orchestrator.runtime.databricks_runtime import on_databricks

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_THREE_PART = re.compile(r"`?\b(\w+)`?\.`?(\w+)`?\.`?(\w+)\b`?")
# `SET spark.sql.codegen.wholeStage`: a configuration key, whose dots are not a table's
_CONFIGURATION = re.compile(r"\s*(SET|RESET)\b(?!\s+(VAR|VARIABLE|TAG|TAGS)\b)", re.IGNORECASE)


def quote(*parts: str) -> str:
    return ".".join(f"`{part}`" for part in parts)


class Lakehouse:
    """Unity Catalog names (Databricks): a catalog mapping per environment, nothing else."""

    keeps_materialized_views = True  # Databricks refreshes them; locally a table stands in

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

    def rewrite(self, statement: str) -> str:
        if not self.catalogs:
            return statement
        return rewrite_three_part(statement, self.table, self.schema)

    def sql(self, statement: str, args: Mapping[str, Any] | None = None) -> DataFrame:
        return self.spark.sql(self.rewrite(statement), args=dict(args) if args else None)

    def is_materialized_view(self, table: str) -> bool:
        """Unity Catalog's table type says so."""
        try:
            return str(self.spark.catalog.getTable(table).tableType) == "MATERIALIZED_VIEW"
        except Exception:  # no such table, or a name the catalog API cannot take
            return False


def rewrite_three_part(statement: str, table: Any, schema: Any) -> str:
    """Rewrite every catalog.schema.table (and CREATE/DROP SCHEMA catalog.schema) in place:
    the rest of the statement stays as written (sqlglot's Spark rendering is not lossless: it
    turned `parse_json(doc)` into `doc`)."""
    if _CONFIGURATION.match(statement):
        return statement
    try:
        expressions = sqlglot.parse(statement, read="databricks")
    except sqlglot.errors.ParseError:
        expressions = []
    if len(expressions) != 1 or expressions[0] is None or isinstance(expressions[0], exp.Command):
        return _THREE_PART.sub(lambda m: table(m.group(1), m.group(2), m.group(3)), statement)
    names = [node for node in expressions[0].find_all(exp.Table) if node.catalog]
    spans = [_span(node) for node in names]
    if None in spans:
        return _rendered(expressions[0], names, table, schema)
    rewritten = statement
    for node, (start, end) in sorted(zip(names, spans, strict=True), key=lambda pair: -pair[1][0]):  # type: ignore[index]
        name = (
            table(node.catalog, node.db, node.name) if node.name else schema(node.catalog, node.db)
        )
        rewritten = rewritten[:start] + name + rewritten[end:]
    return rewritten


def _span(node: exp.Table) -> tuple[int, int] | None:
    """Where the table's name is in the statement's text: from its catalog to its last part."""
    parts = [node.args.get(key) for key in ("catalog", "db", "this")]
    metas = [part.meta for part in parts if isinstance(part, exp.Identifier)]
    if len(metas) < 2 or not all("start" in meta and "end" in meta for meta in metas):
        return None
    return metas[0]["start"], metas[-1]["end"] + 1


def _rendered(expression: exp.Expression, names: list[exp.Table], table: Any, schema: Any) -> str:
    """The statement rendered by sqlglot with each name replaced: when the names' places in
    the text are not known."""
    for node in names:
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
    return expression.sql(dialect="spark")


def lakehouse_for(spark: SparkSession, catalogs: Mapping[str, str] | None = None) -> Lakehouse:
    """Chain: the local session we started (it carries its home) -> local; else Unity Catalog."""
    from medallion_orchestrator.runtime.local_spark import HOME_CONF

    home = spark.conf.get(HOME_CONF, None)
    if home and not on_databricks():
        return _local_lakehouses(spark, Path(home), catalogs)
    return Lakehouse(spark, catalogs)


_KEPT = "_medallion_lakehouses"  # on the session: they last as long as it does
_cache_lock = threading.Lock()


def _local_lakehouses(
    spark: SparkSession, home: Path, catalogs: Mapping[str, str] | None
) -> Lakehouse:
    from medallion_orchestrator.runtime.local_lakehouse import LocalLakehouse
    from medallion_orchestrator.runtime.local_spark import warehouse_dir

    key = (str(home), tuple(sorted((catalogs or {}).items())))
    with _cache_lock:
        kept: dict[tuple[str, tuple[tuple[str, str], ...]], Lakehouse] = vars(spark).setdefault(
            _KEPT, {}
        )
        if key not in kept:
            kept[key] = LocalLakehouse(spark, warehouse_dir(home), catalogs)
        return kept[key]
