"""Three-level names in pyspark's own API on a local session, as notebooks use them on Databricks.

`spark.table("dev_silver.shop.customers")`, `df.write.saveAsTable("a.b.c")`,
`DeltaTable.forName(spark, "a.b.c")` and `spark.sql(...)` work unchanged in a user's notebook on
Databricks; open-source Spark has one catalog, so locally each of these methods is wrapped to map
the name (or the statement) through the local lakehouse first. `spark.catalog` is wrapped the same
way, and answers in the user's names (`local_catalog_api`); the errors these methods raise name
the user's schemas too (`in_user_names`). Only a session started by `local_spark` is touched:
`install` runs there and nowhere else, and a session without a medallion home is passed through
as it is.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from medallion_orchestrator.runtime.lakehouse import quote
from medallion_orchestrator.runtime.local_catalog import is_spark_database, split_database
from medallion_orchestrator.runtime.local_statements import CURRENT_CATALOG, DEFAULT_SCHEMA
from medallion_orchestrator.runtime.user_names import error_in_user_names

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from medallion_orchestrator.runtime.local_lakehouse import LocalLakehouse

_installed = threading.Lock()
_done = False
# Statements that may name a catalog or leave it to the current one: dotted parts (not of a
# local database), a table or view created, a schema/catalog command, USE, or a call that names
# the current catalog or schema.
_MAYBE_CATALOG = re.compile(
    r"(?is)\b(?:CATALOGS?|SCHEMAS?|DATABASES?|NAMESPACES?|VIEWS?|TABLES?)\b"
    r"|(?<![`.\w])`?(?!\w*__)\w+`?\s*\.\s*`?\w+|^\s*USE\b|\bcurrent_(?:catalog|schema|database)\s*\("
)
_PART = re.compile(r"`((?:[^`]|``)+)`|([^.`\s]+)")
_QUALIFIER = re.compile(r"(\w+)`?\s*\.")  # the catalog or schema part of a dotted name


def install() -> None:
    """Wrap the name-taking methods of pyspark and Delta once per process."""
    global _done
    with _installed:
        if _done:
            return
        from delta.tables import DeltaTable
        from pyspark.sql import SparkSession
        from pyspark.sql.classic.dataframe import DataFrame
        from pyspark.sql.readwriter import DataFrameReader, DataFrameWriter

        _wrap_sql(SparkSession)
        _wrap_name(SparkSession, "table", lambda self: self)
        _wrap_name(DataFrameReader, "table", lambda self: self._spark)
        _wrap_name(DataFrameWriter, "saveAsTable", lambda self: self._spark)
        _wrap_name(DataFrameWriter, "insertInto", lambda self: self._spark)
        _wrap_name(DataFrame, "writeTo", lambda self: self.sparkSession)
        original = DeltaTable.forName.__func__  # type: ignore[attr-defined]

        @functools.wraps(original)
        def for_name(cls: Any, spark: SparkSession, name: str) -> Any:
            return in_user_names(
                spark, [name], lambda: original(cls, spark, table_name(spark, name))
            )

        DeltaTable.forName = classmethod(for_name)  # type: ignore[method-assign,assignment]
        _done = True


def _wrap_sql(session_class: type) -> None:
    original = session_class.sql

    @functools.wraps(original)
    def sql(self: SparkSession, sqlQuery: str, args: Any = None, **kwargs: Any) -> Any:
        lakehouse = None if kwargs or not _MAYBE_CATALOG.search(sqlQuery) else local_lakehouse(self)
        if lakehouse is None:
            return in_user_names(self, [sqlQuery], lambda: original(self, sqlQuery, args, **kwargs))
        local_sql = lakehouse.sql
        return in_user_names(self, [sqlQuery], lambda: local_sql(sqlQuery, args))

    session_class.sql = sql  # type: ignore[attr-defined]


def in_user_names(spark: SparkSession, names: Iterable[Any], call: Callable[[], Any]) -> Any:
    """`call()`; Spark's error, if it raises one, in the user's names (of the local catalogs and
    of those `names`, names or statements, give: they may not exist)."""
    try:
        return call()
    except Exception as error:
        lakehouse = local_lakehouse(spark)
        if lakehouse is None:
            raise
        shown = error_in_user_names(error, named_catalogs(lakehouse, names))
        if shown is error:
            raise
        raise shown from None


def named_catalogs(lakehouse: LocalLakehouse, names: Iterable[Any]) -> set[str]:
    """The local catalogs, the current one, and those `names` may give: the qualifiers of their
    dotted names, and the catalog of a local database so named (`a` of `a__b.t`)."""
    texts = [name for name in names if isinstance(name, str)]
    named = {part.lower() for text in texts for part in _QUALIFIER.findall(text)}
    named |= {split[0] for part in named if (split := split_database(part))}
    return lakehouse.store.catalogs() | named | {CURRENT_CATALOG}


def plain_sql(spark: SparkSession, statement: str, args: Any = None) -> Any:
    """Spark's own `sql`, past the wrapper: what the lakehouse itself runs."""
    method = type(spark).sql
    return getattr(method, "__wrapped__", method)(spark, statement, args)


def plain_catalog(spark: SparkSession, method_name: str, *args: Any) -> Any:
    """Spark's own `spark.catalog` method, past the wrapper: local names in and out."""
    method = getattr(type(spark.catalog), method_name)
    return getattr(method, "__wrapped__", method)(spark.catalog, *args)


def _wrap_name(owner: type, method_name: str, session_of: Callable[[Any], Any]) -> None:
    original = getattr(owner, method_name)

    @functools.wraps(original)
    def wrapper(self: Any, name: Any = None, *args: Any, **kwargs: Any) -> Any:
        spark = session_of(self)

        def call() -> Any:
            local = table_name(spark, name) if isinstance(name, str) else name
            return original(self, local, *args, **kwargs)

        return in_user_names(spark, [name], call)

    setattr(owner, method_name, wrapper)


def table_name(spark: SparkSession, name: str) -> str:
    """The local name of a user's table (`a.b.t` -> `a__b`.`t`, registered); others as given."""
    parts = in_current_catalog(spark, name_parts(name), 3)
    lakehouse = (
        local_lakehouse(spark) if len(parts) == 3 and not is_spark_database(parts[1]) else None
    )
    return name if lakehouse is None else lakehouse.table(*parts)


def schema_name(spark: SparkSession, name: str) -> str:
    """The local name of a user's schema (`a.b` -> `a__b`); others as given."""
    database = local_database(spark, in_current_catalog(spark, name_parts(name), 2))
    return name if database is None else quote(database)


def local_database(spark: SparkSession, parts: list[str]) -> str | None:
    """`catalog__schema` for a user's [catalog, schema]; None outside the mapping. The current
    catalog's `default` schema always exists, as on Databricks."""
    lakehouse = (
        local_lakehouse(spark) if len(parts) == 2 and not is_spark_database(parts[1]) else None
    )
    if lakehouse is None:
        return None
    if [part.lower() for part in parts] == [CURRENT_CATALOG, DEFAULT_SCHEMA]:
        lakehouse.ensure_schema(*parts)
    lakehouse.session.sync_databases()
    return lakehouse.database(*parts)


def current_names(spark: SparkSession) -> tuple[str, str]:
    """The current catalog and schema in the user's names: after `USE SCHEMA dev_silver.s` they
    are `dev_silver` and `s`, as on Databricks (Spark's own say `spark_catalog`, `dev_silver__s`);
    before any USE, `spark_catalog` and `default`. They last as long as the session."""
    database = str(plain_catalog(spark, "currentDatabase"))
    split = split_database(database)
    return split if split is not None else (str(plain_catalog(spark, "currentCatalog")), database)


def in_current_catalog(spark: SparkSession, parts: list[str], levels: int) -> list[str]:
    """`s.t` names `catalog.s.t` of the current catalog (`spark_catalog` until a USE), as on
    Databricks; a local database's name stays."""
    if len(parts) == levels - 1 and not is_spark_database(parts[0]):
        return [current_names(spark)[0], *parts]
    return parts


def name_parts(name: str) -> list[str]:
    return [quoted.replace("``", "`") if quoted else plain for quoted, plain in _PART.findall(name)]


def local_lakehouse(spark: Any) -> LocalLakehouse | None:
    """The local lakehouse of a session started by `local_spark`; None for any other."""
    from medallion_orchestrator.runtime.lakehouse import lakehouse_for
    from medallion_orchestrator.runtime.local_lakehouse import LocalLakehouse

    session = getattr(spark, "_jsparkSession", None)
    if session is None:
        return None
    lakehouse = lakehouse_for(spark)
    return lakehouse if isinstance(lakehouse, LocalLakehouse) else None
