"""pyspark's catalog API on a local session answers in the user's names, as on Databricks.

No JVM: pyspark's own `Catalog` runs on a fake of Spark's catalog (`JavaCatalog`), which knows
only the local databases (`dev_silver__s1`), as open-source Spark does; `local_catalog_api.install`
wraps pyspark's methods as `local_spark` does.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("delta")

from pyspark.sql.catalog import Catalog, CatalogMetadata, Database, Function, Table

from medallion_orchestrator.runtime import local_catalog_api
from medallion_orchestrator.runtime.local_catalog import (
    CatalogStore,
    LocalCatalogError,
    SchemaEntry,
)
from medallion_orchestrator.runtime.local_spark import HOME_CONF, warehouse_dir

DATABASES = ("default", "dev_gold__mart", "dev_silver__s1", "dev_silver__s3", "spark_catalog__s2")
TABLES = {"dev_silver__s1": ["orders"], "spark_catalog__s2": ["loose"], "default": ["legacy"]}
FUNCTIONS = {"dev_silver__s1": ["plus_one"], "spark_catalog__s2": ["plus_two"]}


class NotFound(Exception):
    """What Spark raises for a name it does not know."""


class Java:
    """A JVM object of Spark's catalog API: each field read by calling it, as through py4j."""

    def __init__(self, **fields: Any) -> None:
        self._fields = fields

    def __getattr__(self, name: str) -> Any:
        return lambda: self._fields[name]


class JavaList:
    def __init__(self, items: list[Java]) -> None:
        self._items = iter(items)
        self._next: Java | None = next(self._items, None)

    def toLocalIterator(self) -> JavaList:
        return self

    def hasNext(self) -> bool:
        return self._next is not None

    def next(self) -> Java:
        item, self._next = self._next, next(self._items, None)
        assert item is not None
        return item


class JavaCatalog:
    """Open-source Spark's catalog: one catalog, `spark_catalog`, of one-part databases."""

    def __init__(self) -> None:
        self.current = "default"

    def currentCatalog(self) -> str:
        return "spark_catalog"

    def setCurrentCatalog(self, name: str) -> None:
        if name != "spark_catalog":
            raise NotFound(f"catalog {name}")

    def listCatalogs(self, *pattern: str) -> JavaList:
        return JavaList([Java(name="spark_catalog", description=None)])

    def currentDatabase(self) -> str:
        return self.current

    def setCurrentDatabase(self, name: str) -> None:
        self.current = self._database(name)

    def listDatabases(self, *pattern: str) -> JavaList:
        names = [name for name in DATABASES if not pattern or fnmatch.fnmatch(name, pattern[0])]
        return JavaList([self._database_object(name) for name in names])

    def getDatabase(self, name: str) -> Java:
        return self._database_object(self._database(name))

    def databaseExists(self, name: str) -> bool:
        return _parts(name)[-1] in DATABASES

    def listTables(self, database: str, *pattern: str) -> JavaList:
        database = self._database(database)
        temporary = Java(
            name="tv",
            catalog=None,
            namespace=[],
            description=None,
            tableType="TEMPORARY",
            isTemporary=True,
        )
        return JavaList([*(_table(database, t) for t in TABLES.get(database, [])), temporary])

    def getTable(self, name: str) -> Java:
        database, table = self._object(name)
        if table not in TABLES.get(database, []):
            raise NotFound(f"table {name}")
        return _table(database, table)

    def tableExists(self, *names: str) -> bool:
        database, table = self._object(".".join(names))
        return table in TABLES.get(database, [])

    def listColumns(self, *names: str) -> JavaList:
        self.getTable(".".join(names))
        flags = {"isPartition": False, "isBucket": False, "isCluster": False}
        return JavaList([Java(name="id", description=None, dataType="int", nullable=True, **flags)])

    def listFunctions(self, database: str, *pattern: str) -> JavaList:
        database = self._database(database)
        return JavaList(
            [_builtin(), *(_function(database, f) for f in FUNCTIONS.get(database, []))]
        )

    def functionExists(self, *names: str) -> bool:
        database, function = self._object(".".join(names))
        return function == "abs" or function in FUNCTIONS.get(database, [])

    def getFunction(self, name: str) -> Java:
        if name == "abs":
            return _builtin()
        database, function = self._object(name)
        if function not in FUNCTIONS.get(database, []):
            raise NotFound(f"function {name}")
        return _function(database, function)

    def _database(self, name: str) -> str:
        parts = _parts(name)
        if parts[0] == "spark_catalog":
            parts = parts[1:]
        if len(parts) != 1 or parts[0] not in DATABASES:
            raise NotFound(f"schema {name}")
        return parts[0]

    def _object(self, name: str) -> tuple[str, str]:
        *database, last = _parts(name)
        return (self._database(".".join(database)) if database else self.current), last

    @staticmethod
    def _database_object(name: str) -> Java:
        return Java(name=name, catalog="spark_catalog", description="", locationUri=f"/w/{name}")


def _parts(name: str) -> list[str]:
    return name.replace("`", "").split(".")


def _table(database: str, name: str) -> Java:
    return Java(
        name=name,
        catalog="spark_catalog",
        namespace=[database],
        description=None,
        tableType="MANAGED",
        isTemporary=False,
    )


def _function(database: str, name: str) -> Java:
    return Java(
        name=name,
        catalog="spark_catalog",
        namespace=[database],
        description=None,
        className="",
        isTemporary=False,
    )


def _builtin() -> Java:
    return Java(
        name="abs",
        catalog=None,
        namespace=None,
        description="abs(expr)",
        className="Abs",
        isTemporary=True,
    )


class Conf:
    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    def get(self, key: str, default: str | None = None) -> str | None:
        return self._values.get(key, default)


class Session:
    """Stands in for a SparkSession: its JVM side is `JavaCatalog`; SQL is only recorded."""

    def __init__(self, conf: dict[str, str]) -> None:
        self.conf = Conf(conf)
        self._jcatalog = JavaCatalog()
        self._jsparkSession = Java(catalog=self._jcatalog)
        self._sc = None
        self.sparkContext = object()  # its own JVM: its own catalog
        self.catalog = Catalog(self)  # type: ignore[arg-type]
        self.statements: list[str] = []

    def sql(self, statement: str, args: Any = None) -> None:
        self.statements.append(statement)


def java_catalog(catalog: Catalog) -> JavaCatalog:
    return catalog._jcatalog  # type: ignore[no-any-return]


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    """The catalog API of a session started by `local_spark` on a home with DATABASES."""
    local_catalog_api.install()
    store = CatalogStore(tmp_path, warehouse_dir(tmp_path))
    for database in DATABASES[1:]:
        store.save_schema(database, SchemaEntry())
    return Session({HOME_CONF: str(tmp_path)}).catalog


def test_get_table_names_the_users_catalog_and_schema(catalog: Catalog) -> None:
    assert catalog.getTable("dev_silver.s1.orders") == Table(
        name="orders",
        catalog="dev_silver",
        namespace=["s1"],
        description=None,
        tableType="MANAGED",
        isTemporary=False,
    )
    assert catalog.getTable("dev_silver.s1.orders").database == "s1"


def test_a_two_level_name_is_in_the_current_catalog(catalog: Catalog) -> None:
    table = catalog.getTable("s2.loose")

    assert (table.catalog, table.namespace) == ("spark_catalog", ["s2"])


def test_list_tables_names_the_users_schema_and_leaves_temporary_views(catalog: Catalog) -> None:
    tables = catalog.listTables("dev_silver.s1")

    assert [(t.name, t.catalog, t.namespace) for t in tables] == [
        ("orders", "dev_silver", ["s1"]),
        ("tv", None, []),
    ]


def test_spark_own_databases_pass_through(catalog: Catalog) -> None:
    table = catalog.getTable("legacy")  # in the current database, Spark's own `default`

    assert (table.catalog, table.namespace) == ("spark_catalog", ["default"])


def test_functions_of_a_schema_in_the_users_names(catalog: Catalog) -> None:
    in_schema = [f for f in catalog.listFunctions("s2") if not f.isTemporary]
    three_level = [f for f in catalog.listFunctions("dev_silver.s1") if not f.isTemporary]

    assert [(f.name, f.catalog, f.namespace) for f in in_schema] == [
        ("plus_two", "spark_catalog", ["s2"])
    ]
    assert [(f.name, f.catalog, f.namespace) for f in three_level] == [
        ("plus_one", "dev_silver", ["s1"])
    ]
    assert catalog.getFunction("dev_silver.s1.plus_one") == Function(
        name="plus_one",
        catalog="dev_silver",
        namespace=["s1"],
        description=None,
        className="",
        isTemporary=False,
    )
    assert catalog.functionExists("dev_silver.s1.plus_one")
    assert catalog.functionExists("s2.plus_two")
    assert not catalog.functionExists("dev_silver.s1.plus_two")


def test_built_in_functions_pass_through(catalog: Catalog) -> None:
    builtin = catalog.getFunction("abs")

    assert (builtin.catalog, builtin.namespace, builtin.isTemporary) == (None, None, True)
    assert catalog.functionExists("abs")


def test_get_database_names_the_schema_and_its_catalog(catalog: Catalog) -> None:
    assert catalog.getDatabase("dev_silver.s1") == Database(
        name="s1", catalog="dev_silver", description="", locationUri="/w/dev_silver__s1"
    )
    assert catalog.getDatabase("s2")[:2] == ("s2", "spark_catalog")


def test_databases_are_the_current_catalogs_schemas(catalog: Catalog) -> None:
    databases = catalog.listDatabases()

    assert [(d.name, d.catalog) for d in databases] == [
        ("default", "spark_catalog"),
        ("s2", "spark_catalog"),
    ]
    assert catalog.currentDatabase() == "default"
    assert catalog.currentCatalog() == "spark_catalog"


def test_the_current_schema_and_catalog_are_the_users(catalog: Catalog) -> None:
    java_catalog(catalog).current = "dev_silver__s1"  # as after USE SCHEMA dev_silver.s1

    assert (catalog.currentCatalog(), catalog.currentDatabase()) == ("dev_silver", "s1")
    assert [(d.name, d.catalog) for d in catalog.listDatabases()] == [
        ("s1", "dev_silver"),
        ("s3", "dev_silver"),
    ]
    assert [d.name for d in catalog.listDatabases("s3*")] == ["s3"]
    assert [(t.name, t.namespace) for t in catalog.listTables()] == [("orders", ["s1"]), ("tv", [])]
    assert [f.name for f in catalog.listFunctions() if not f.isTemporary] == ["plus_one"]


def test_set_current_database_takes_a_schema_of_the_current_catalog(catalog: Catalog) -> None:
    catalog.setCurrentDatabase("s2")
    assert java_catalog(catalog).current == "spark_catalog__s2"

    java_catalog(catalog).current = "dev_silver__s1"
    catalog.setCurrentDatabase("s3")
    assert java_catalog(catalog).current == "dev_silver__s3"
    assert (catalog.currentCatalog(), catalog.currentDatabase()) == ("dev_silver", "s3")


def test_set_current_database_does_not_take_a_catalog_as_in_spark(catalog: Catalog) -> None:
    """Spark reads `a.b` as a nested schema of the current catalog, which Unity Catalog and
    open-source Spark's catalog both refuse: `USE SCHEMA a.b` changes catalogs."""
    with pytest.raises(NotFound):
        catalog.setCurrentDatabase("dev_silver.s1")


def test_catalogs_are_the_local_lakehouses(catalog: Catalog) -> None:
    assert catalog.listCatalogs() == [
        CatalogMetadata(name="dev_gold", description=None),
        CatalogMetadata(name="dev_silver", description=None),
        CatalogMetadata(name="spark_catalog", description=None),
    ]
    assert [c.name for c in catalog.listCatalogs("dev_s*")] == ["dev_silver"]


def test_another_catalog_cannot_be_made_current(catalog: Catalog) -> None:
    catalog.setCurrentCatalog("spark_catalog")  # the current one: nothing changes

    with pytest.raises(LocalCatalogError, match="dev_silver"):
        catalog.setCurrentCatalog("dev_silver")
    assert catalog.currentCatalog() == "spark_catalog"


def test_a_schema_given_apart_is_mapped_too(catalog: Catalog) -> None:
    with pytest.warns(FutureWarning):
        assert catalog.tableExists("loose", "s2")
    with pytest.warns(FutureWarning):
        assert catalog.functionExists("plus_one", "dev_silver.s1")
    with pytest.warns(FutureWarning):
        assert [c.name for c in catalog.listColumns("orders", "dev_silver.s1")] == ["id"]


def test_a_session_not_started_by_local_spark_is_left_alone() -> None:
    local_catalog_api.install()
    catalog = Session({}).catalog
    catalog.setCurrentDatabase("dev_silver__s1")

    assert catalog.currentDatabase() == "dev_silver__s1"
    assert catalog.getTable("dev_silver__s1.orders").namespace == ["dev_silver__s1"]
    assert len(catalog.listDatabases()) == len(DATABASES)
    assert catalog.listCatalogs() == [CatalogMetadata(name="spark_catalog", description=None)]
