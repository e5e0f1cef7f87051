"""pyspark's `spark.catalog` on a local session, answering as on Databricks, in the user's names.

Names going in are mapped as `local_names` maps them (`dev_silver.shop` is the database
`dev_silver__shop`). What comes back is turned back (`user_names`): a table, function or schema
of `dev_silver__shop` names catalog `dev_silver` and schema `shop`; `currentDatabase` and
`currentCatalog` name the current schema and its catalog; `listDatabases` lists the current
catalog's schemas and `listCatalogs` the local catalogs; errors name the user's schema. Spark's
own databases (`default`, `global_temp`), temporary views and built-in functions pass unchanged.
Only a session started by `local_spark` is touched: another is passed through as it is.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from medallion_orchestrator.runtime.lakehouse import quote
from medallion_orchestrator.runtime.local_catalog import (
    matches_like,
    not_made_current,
    split_database,
)
from medallion_orchestrator.runtime.local_names import (
    current_names,
    in_current_catalog,
    local_database,
    local_lakehouse,
    name_parts,
    plain_catalog,
    schema_name,
    table_name,
)
from medallion_orchestrator.runtime.local_statements import CURRENT_CATALOG
from medallion_orchestrator.runtime.user_names import (
    error_in_user_names,
    schemas_of,
    user_database,
    user_object,
)

if TYPE_CHECKING:
    from pyspark.sql.catalog import Catalog, CatalogMetadata

    from medallion_orchestrator.runtime.local_lakehouse import LocalLakehouse

# Each takes the Catalog and the value the user gave for one parameter, and gives Spark's.
Argument = Callable[["Catalog", Any], Any]

_installed = threading.Lock()
_done = False


def install() -> None:
    """Wrap pyspark's Catalog once per process."""
    global _done
    with _installed:
        if _done:
            return
        from pyspark.sql.catalog import Catalog

        wrap_catalog(Catalog)
        _done = True


def wrap_catalog(catalog_class: type) -> None:
    """Each method that takes a name maps it; each that answers with names answers the user's."""
    objects = {"tableName": _table, "functionName": _function}
    beside = {**objects, "dbName": _database_beside}  # the deprecated `dbName` argument
    for method in ("tableExists", "listColumns", "functionExists"):
        _wrap(catalog_class, method, beside)
    _wrap(catalog_class, "getTable", objects, user_object)
    _wrap(catalog_class, "getFunction", objects, user_object)
    _wrap(catalog_class, "databaseExists", {"dbName": _schema})
    _wrap(catalog_class, "getDatabase", {"dbName": _schema}, user_database)
    _wrap(catalog_class, "setCurrentDatabase", {"dbName": _schema_of_current_catalog})
    for method in ("listTables", "listFunctions"):
        _wrap(catalog_class, method, {"dbName": _schema_or_current}, _each_user_object)
    _answer(catalog_class, "currentDatabase", _current_database)
    _answer(catalog_class, "currentCatalog", _current_catalog)
    _answer(catalog_class, "listDatabases", _list_databases)
    _answer(catalog_class, "listCatalogs", _list_catalogs)
    _answer(catalog_class, "setCurrentCatalog", _set_current_catalog)


def _wrap(
    catalog_class: type,
    method_name: str,
    arguments: dict[str, Argument],
    shown: Callable[[Any], Any] = lambda found: found,
) -> None:
    """Spark's method on the mapped `arguments`; its answer `shown`, its error in user names."""
    original = getattr(catalog_class, method_name)
    signature = inspect.signature(original)

    @functools.wraps(original)
    def wrapper(self: Catalog, *args: Any, **kwargs: Any) -> Any:
        lakehouse = local_lakehouse(self._sparkSession)
        if lakehouse is None:
            return original(self, *args, **kwargs)
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for parameter, local in arguments.items():
            if parameter in bound.arguments:
                bound.arguments[parameter] = local(self, bound.arguments[parameter])
        try:
            return shown(original(*bound.args, **bound.kwargs))
        except Exception as error:
            shown_error = _in_user_names(error, lakehouse, bound.arguments.values())
            if shown_error is error:
                raise
            raise shown_error from None

    setattr(catalog_class, method_name, wrapper)


def _answer(catalog_class: type, method_name: str, answer: Callable[..., Any]) -> None:
    """`answer(catalog, lakehouse, *args)` answers for the method on a local session."""
    original = getattr(catalog_class, method_name)

    @functools.wraps(original)
    def wrapper(self: Catalog, *args: Any, **kwargs: Any) -> Any:
        lakehouse = local_lakehouse(self._sparkSession)
        if lakehouse is None:
            return original(self, *args, **kwargs)
        return answer(self, lakehouse, *args, **kwargs)

    setattr(catalog_class, method_name, wrapper)


def _in_user_names(error: Exception, lakehouse: LocalLakehouse, given: Iterable[Any]) -> Exception:
    """In the names of the local catalogs and of those the call named, which may not exist."""
    parts = [part for value in given if isinstance(value, str) for part in name_parts(value)]
    named = {split[0] for part in parts if (split := split_database(part))}
    return error_in_user_names(error, lakehouse.store.catalogs() | named | {CURRENT_CATALOG})


def _each_user_object(found: list[Any]) -> list[Any]:
    return [user_object(each) for each in found]


# arguments ------------------------------------------------------------------------------------
def _table(catalog: Catalog, name: Any) -> Any:
    return table_name(catalog._sparkSession, name) if isinstance(name, str) else name


def _function(catalog: Catalog, name: Any) -> Any:
    spark = catalog._sparkSession
    parts = in_current_catalog(spark, name_parts(name), 3) if isinstance(name, str) else []
    database = local_database(spark, parts[:2]) if len(parts) == 3 else None
    return name if database is None else quote(database, parts[2])


def _database_beside(catalog: Catalog, name: Any) -> Any:
    """`tableExists("t", "s")`: Spark takes this database's name unquoted."""
    spark = catalog._sparkSession
    parts = in_current_catalog(spark, name_parts(name), 2) if isinstance(name, str) else []
    return local_database(spark, parts) or name


def _schema(catalog: Catalog, name: Any) -> Any:
    return schema_name(catalog._sparkSession, name) if isinstance(name, str) else name


def _schema_or_current(catalog: Catalog, name: Any) -> Any:
    """None: the current database, Spark's own (pyspark would ask the wrapped method)."""
    if name is None:
        return plain_catalog(catalog._sparkSession, "currentDatabase")
    return _schema(catalog, name)


def _schema_of_current_catalog(catalog: Catalog, name: Any) -> Any:
    """`setCurrentDatabase("s")` takes a schema of the current catalog. Spark reads `a.b` as a
    schema nested in it, not as catalog `a`, and refuses it; so does Unity Catalog."""
    parts = name_parts(name) if isinstance(name, str) else []
    if len(parts) != 1:
        return name
    current = _current_catalog(catalog)
    database = local_database(catalog._sparkSession, [current, parts[0]])
    return name if database is None else quote(database)


# answers --------------------------------------------------------------------------------------
def _current_database(catalog: Catalog, lakehouse: LocalLakehouse) -> str:
    return current_names(catalog._sparkSession)[1]


def _current_catalog(catalog: Catalog, lakehouse: LocalLakehouse | None = None) -> str:
    """The current schema's catalog: after `USE SCHEMA dev_silver.s` it is `dev_silver`."""
    return current_names(catalog._sparkSession)[0]


def _list_databases(
    catalog: Catalog, lakehouse: LocalLakehouse, pattern: str | None = None
) -> list[Any]:
    lakehouse.session.sync_databases()
    databases = plain_catalog(catalog._sparkSession, "listDatabases")
    return schemas_of(databases, _current_catalog(catalog), pattern)


def _list_catalogs(
    catalog: Catalog, lakehouse: LocalLakehouse, pattern: str | None = None
) -> list[CatalogMetadata]:
    """Spark's own catalogs and the local lakehouse's, by name."""
    from pyspark.sql.catalog import CatalogMetadata

    found = {each.name: each for each in plain_catalog(catalog._sparkSession, "listCatalogs")}
    for name in lakehouse.store.catalogs() - found.keys():
        found[name] = CatalogMetadata(name=name, description=None)
    return [found[name] for name in sorted(found) if pattern is None or matches_like(name, pattern)]


def _set_current_catalog(catalog: Catalog, lakehouse: LocalLakehouse, catalogName: str) -> None:
    """The current catalog stays current; another local one cannot be made current, as `USE
    CATALOG` cannot locally. Spark answers for a name it may know (and the local store not)."""
    name = catalogName.lower()
    if name == _current_catalog(catalog):
        return
    if name in lakehouse.store.catalogs() | {CURRENT_CATALOG}:
        raise not_made_current(name)
    plain_catalog(catalog._sparkSession, "setCurrentCatalog", catalogName)
