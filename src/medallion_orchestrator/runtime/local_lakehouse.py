"""The local lakehouse: Unity Catalog's three-level names on one open-source Spark catalog.

`catalog.schema.table` is the Spark database `catalog__schema`. Spark's own catalog lives in the
process's memory; `local_catalog.CatalogStore` keeps it in files under the home. Around each
statement this module:
1. creates in the session the schemas on disk it does not know yet (another process's too);
2. registers the tables and views the statement names (a view: what it reads, first);
3. runs the statement with local names;
4. keeps what the statement created, changed or dropped in the store;
5. shows SHOW / DESCRIBE rows, and lets errors speak, in the user's names.
Catalog commands, which open-source Spark lacks, are answered here from the store.
"""

from __future__ import annotations

import functools
import itertools
import shutil
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from medallion_orchestrator.runtime.lakehouse import Lakehouse, quote, rewrite_three_part
from medallion_orchestrator.runtime.local_catalog import (
    CatalogStore,
    LocalCatalogError,
    SchemaEntry,
    database_name,
    matches_like,
    not_made_current,
    split_database,
)
from medallion_orchestrator.runtime.local_ddl import delta_create_statement, schema_entry
from medallion_orchestrator.runtime.local_materialized_views import (
    EVENT_LOG_SCHEMA,
    QUERY_PROPERTY,
    NotAMaterializedView,
    event_log_names,
    is_materialized_view_statement,
    on_event_logs,
    refresh_events,
    stand_in,
)
from medallion_orchestrator.runtime.local_names import current_names, plain_catalog, plain_sql
from medallion_orchestrator.runtime.local_statements import (
    CURRENT_CATALOG,
    DEFAULT_SCHEMA,
    Statement,
    classify,
    qualified,
    with_current_names,
)
from medallion_orchestrator.runtime.user_names import user_rows

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


_event_logs = itertools.count(1)


class LocalSession:
    """What one SparkSession holds of the store; shared by every lakehouse on that session.

    Before each statement it catches up with other processes on the home: what they created is
    registered when named, and when the store says they changed something, what they dropped or
    replaced is let go here (`_catch_up`)."""

    def __init__(self, spark: SparkSession, store: CatalogStore) -> None:
        self.spark = spark
        self.store = store
        self.lock = threading.RLock()
        self.databases: set[str] = set()
        self.objects: set[tuple[str, str]] = set()
        self.views: dict[tuple[str, str], str] = {}  # the statement each view was made with

    def _sql(self, statement: str, args: Any = None) -> DataFrame:
        return plain_sql(self.spark, statement, args)  # type: ignore[no-any-return]

    def sync_databases(self) -> None:
        if self.store.changed_elsewhere():
            self._catch_up()
        missing = self.store.databases() - self.databases
        if not missing:
            return
        with self.lock:
            for database in sorted(missing - self.databases):
                self.create_database(database, self.store.schema(database))

    def create_database(self, database: str, entry: SchemaEntry) -> None:
        statement = f"CREATE DATABASE IF NOT EXISTS {quote(database)}"
        if entry.comment:
            statement += f" COMMENT '{sql_string(entry.comment)}'"
        if entry.properties:
            pairs = ", ".join(
                f"'{sql_string(k)}' = '{sql_string(v)}'" for k, v in entry.properties.items()
            )
            statement += f" WITH DBPROPERTIES ({pairs})"
        self._sql(statement)
        self.databases.add(database)

    def register(
        self, database: str, name: str, seen: frozenset[tuple[str, str]] = frozenset()
    ) -> None:
        key = (database, name.lower())
        if key in self.objects or key in seen:
            return
        with self.lock:
            if key in self.objects:
                return
            self.sync_databases()
            if self.store.has_delta_table(database, name):
                location = self.store.table_folder(database, name)
                if not plain_catalog(self.spark, "tableExists", quote(database, name.lower())):
                    self._sql(
                        f"CREATE TABLE IF NOT EXISTS {quote(database, name.lower())} USING DELTA "
                        f"LOCATION '{sql_string(str(location))}'"
                    )
            elif statement := self.store.statement("tables", database, name):
                self._replay(statement)
            elif statement := self.store.statement("views", database, name):
                for read in _local_tables(statement):
                    self.register(*read, seen=seen | {key})
                self._replay(statement)
                self.views[key] = statement
            else:
                return
            self.objects.add(key)

    def register_all(self, database: str) -> None:
        names = [*self.store.delta_tables(database)]
        names += self.store.objects("tables", database) + self.store.objects("views", database)
        for name in names:
            self.register(database, name)

    def forget(self, database: str, name: str | None = None) -> None:
        with self.lock:
            if name is None:
                self.databases.discard(database)
                self.objects = {key for key in self.objects if key[0] != database}
                self.views = {key: text for key, text in self.views.items() if key[0] != database}
            else:
                self.objects.discard((database, name.lower()))
                self.views.pop((database, name.lower()), None)

    def _catch_up(self) -> None:
        """Let go of what another process dropped or replaced; it is registered again, as it
        now is, when a statement names it."""
        with self.lock:
            on_disk = self.store.databases()
            for database, name in sorted(self.objects):
                if database not in on_disk or self._replaced(database, name):
                    self._let_go(database, name)
            for database in sorted(self.databases - on_disk):
                for table in plain_catalog(self.spark, "listTables", quote(database)):
                    self._let_go(database, table.name)
                self._sql(f"DROP DATABASE IF EXISTS {quote(database)}")
                self.forget(database)

    def _replaced(self, database: str, name: str) -> bool:
        if (database, name) in self.views:
            return self.store.statement("views", database, name) != self.views[(database, name)]
        return not self.store.has_delta_table(database, name) and (
            self.store.statement("tables", database, name) is None
        )

    def _let_go(self, database: str, name: str) -> None:
        physical = quote(database, name)
        if (database, name) in self.views:
            self._sql(f"DROP VIEW IF EXISTS {physical}")
        elif not self.store.table_folder(database, name).exists():
            self._sql(f"DROP TABLE IF EXISTS {physical}")  # a managed table's folder is gone
        self.forget(database, name)

    def _replay(self, statement: str) -> None:
        from pyspark.errors import AnalysisException

        try:
            self._sql(statement)
        except AnalysisException as error:
            if error.getCondition() != "TABLE_OR_VIEW_ALREADY_EXISTS":
                raise


_sessions: dict[tuple[int, str], LocalSession] = {}
_sessions_lock = threading.Lock()


def _session(spark: SparkSession, warehouse: Path) -> LocalSession:
    """One per JVM: its sessions share one catalog (a server gives each command a session)."""
    key = (id(spark.sparkContext), str(warehouse))
    with _sessions_lock:
        if key not in _sessions:
            _sessions[key] = LocalSession(spark, CatalogStore(warehouse.parent, warehouse))
        return _sessions[key]


class LocalLakehouse(Lakehouse):
    """Three-level names mapped onto databases `catalog__schema` under `warehouse`."""

    keeps_materialized_views = False

    def __init__(
        self, spark: SparkSession, warehouse: Path, catalogs: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(spark, catalogs)
        self.warehouse = warehouse
        self.session = _session(spark, warehouse)
        self.store = self.session.store

    def _sql(self, statement: str, args: Any = None) -> DataFrame:
        return plain_sql(self.spark, statement, args)  # type: ignore[no-any-return]

    def database(self, catalog: str, schema: str) -> str:
        return database_name(self.catalog(catalog), schema)

    def table(self, catalog: str, schema: str, name: str) -> str:
        database = self.database(catalog, schema)
        self.session.register(database, name)
        return quote(database, name.lower())

    def schema(self, catalog: str, schema: str) -> str:
        return quote(self.database(catalog, schema))

    def table_location(self, catalog: str, schema: str, name: str) -> Path:
        return self.store.table_folder(self.database(catalog, schema), name)

    def ensure_schema(self, catalog: str, schema: str) -> None:
        database = self.database(catalog, schema)
        with self.session.lock:
            if database not in self.store.databases():
                self.store.save_schema(database, SchemaEntry())
            if database not in self.session.databases:
                self.session.create_database(database, self.store.schema(database))

    def rewrite(self, statement: str) -> str:
        return self._local_text(classify(statement))

    def sql(self, statement: str, args: Mapping[str, Any] | None = None) -> DataFrame:
        if is_materialized_view_statement(statement):
            statement = self._on_stand_in(statement)
        if not event_log_names(statement):
            return self._statement(statement, args)
        views: list[str] = []

        def log_of(name: str) -> str:
            views.append(self._event_log(name))
            return views[-1]

        statement = on_event_logs(statement, log_of)
        try:
            return self._statement(statement, args)
        finally:  # the frame is analyzed: its plan no longer needs the views' names
            for view in views:
                self.spark.catalog.dropTempView(view)

    def _statement(self, statement: str, args: Mapping[str, Any] | None) -> DataFrame:
        self.session.sync_databases()
        current = functools.cache(lambda: current_names(self.spark))
        statement = with_current_names(statement, current)
        kept = functools.partial(self._kept, current)
        statement, in_default = qualified(statement, kept, current)
        if in_default:
            self._use_default_schema()
        parsed = classify(statement)
        answer = getattr(self, f"_answer_{parsed.kind}", None)
        if answer is not None:
            return answer(parsed)
        frame = self._sql(self._local_text(parsed), dict(args) if args else None)
        self._keep(parsed)
        return self._shown(parsed, frame)

    # statements answered here ----------------------------------------------------------------
    def _answer_create_catalog(self, parsed: Statement) -> DataFrame:
        name = self.catalog(parsed.schema[0]) if parsed.schema else ""
        if name in self.store.catalogs() and "if not exists" not in parsed.text.lower():
            raise LocalCatalogError("CATALOG_ALREADY_EXISTS", f"Catalog '{name}' already exists.")
        self.store.save_catalog(name)
        return self._no_rows()

    def _answer_drop_catalog(self, parsed: Statement) -> DataFrame:
        name = self.catalog(parsed.schema[0]) if parsed.schema else ""
        databases = [db for db in self.store.databases() if db.startswith(f"{name}__")]
        if name not in self.store.catalogs():
            if "if exists" in parsed.text.lower():
                return self._no_rows()
            raise LocalCatalogError(
                "NO_SUCH_CATALOG_EXCEPTION", f"The catalog '{name}' was not found."
            )
        if databases and "cascade" not in parsed.text.lower():
            raise LocalCatalogError(
                "CATALOG_NOT_EMPTY",
                f"Catalog '{name}' holds schemas: use DROP CATALOG ... CASCADE.",
            )
        for database in databases:
            self._drop_database(database)
        self.store.drop_catalog(name)
        return self._no_rows()

    def _answer_use_catalog(self, parsed: Statement) -> DataFrame:
        """The current catalog may be named; another cannot be made current locally."""
        name = self.catalog(parsed.schema[0]) if parsed.schema else ""
        if name.lower() == current_names(self.spark)[0]:
            return self._no_rows()
        if name.lower() not in self.store.catalogs() | {CURRENT_CATALOG}:
            raise LocalCatalogError(
                "NO_SUCH_CATALOG_EXCEPTION", f"The catalog '{name}' was not found."
            )
        raise not_made_current(name)

    def _answer_show_catalogs(self, parsed: Statement) -> DataFrame:
        names = sorted(self.store.catalogs())
        if parsed.like:
            names = [n for n in names if matches_like(n, parsed.like)]
        return self.spark.createDataFrame([(n,) for n in names], "catalog string")

    def _answer_show_schemas(self, parsed: Statement) -> DataFrame:
        catalog = self.catalog(parsed.schema[0]) if parsed.schema else ""
        schemas = sorted(
            split[1]
            for database in self.store.databases()
            if (split := split_database(database)) and split[0] == catalog
        )
        if parsed.like:
            schemas = [s for s in schemas if matches_like(s, parsed.like)]
        return self.spark.createDataFrame([(s,) for s in schemas], "databaseName string")

    def _answer_show_create(self, parsed: Statement) -> DataFrame:
        catalog, schema, name = parsed.objects[0]
        physical = self.table(catalog, schema, name)
        database = self.database(catalog, schema)
        if self.store.has_delta_table(database, name):
            text = delta_create_statement(self.spark, physical, f"{catalog}.{schema}.{name}")
            return self.spark.createDataFrame([(text,)], "createtab_stmt string")
        frame = self._sql(f"SHOW CREATE TABLE {physical}")
        return self._shown(parsed, frame)

    def _answer_drop_schema(self, parsed: Statement) -> DataFrame:
        database = self._schema_database(parsed)
        self.session.register_all(database)
        frame = self._sql(self._local_text(parsed))
        if database not in {d.name for d in plain_catalog(self.spark, "listDatabases")}:
            self._drop_database(database, in_spark=False)
        return frame

    def _on_stand_in(self, statement: str) -> str:
        """A materialized view's statement, on the Delta table that stands in for it."""
        try:
            return stand_in(statement, self._kept_query)
        except NotAMaterializedView as error:
            raise LocalCatalogError("NOT_A_MATERIALIZED_VIEW", str(error)) from None

    def _event_log(self, name: str) -> str:
        """A temporary view of the stand-in's event log, named for this statement."""
        if self._kept_query(name) is None:
            raise LocalCatalogError(
                "NOT_A_MATERIALIZED_VIEW", f"{name} is not a materialized view: it has no event log"
            )
        history = self.sql(f"DESCRIBE HISTORY {name}").collect()
        commits = [(row["version"], row["timestamp"], row["operation"]) for row in history]
        view = f"medallion_event_log_{next(_event_logs)}"
        frame = self.spark.createDataFrame(refresh_events(name, commits), EVENT_LOG_SCHEMA)
        frame.createOrReplaceTempView(view)
        return view

    def is_materialized_view(self, table: str) -> bool:
        try:
            return self._kept_query(table) is not None
        except Exception:  # no such table
            return False

    def _kept_query(self, name: str) -> str | None:
        rows = self.sql(f"SHOW TBLPROPERTIES {name}").collect()
        return next((str(row["value"]) for row in rows if row["key"] == QUERY_PROPERTY), None)

    # the statement's local text, and what it leaves behind --------------------------------------
    def _local_text(self, parsed: Statement) -> str:
        if parsed.kind.endswith("_schema") or parsed.kind == "show_objects":
            database = self._schema_database(parsed)
            if parsed.kind == "show_objects":
                self.session.register_all(database)
            return f"{parsed.head}{quote(database)}{parsed.rest}"
        return rewrite_three_part(parsed.text, self.table, self.schema)

    def _keep(self, parsed: Statement) -> None:
        if parsed.kind in ("create_schema", "alter_schema", "comment_schema"):
            database = self._schema_database(parsed)
            self.store.save_schema(database, schema_entry(self.spark, database))
            self.session.databases.add(database)
        for catalog, schema, name in parsed.dropped:
            database = self.database(catalog, schema)
            if parsed.kind == "rename":
                self._rename(database, name, parsed.created[0])
            else:
                self.store.drop_object(database, name)
                self.session.forget(database, name)
        if parsed.kind in ("create_view", "alter_view"):
            for catalog, schema, name in parsed.created:
                self._keep_view(self.database(catalog, schema), name)
        if parsed.kind == "create_external_table":
            catalog, schema, name = parsed.created[0]
            self._keep_external(self.database(catalog, schema), name, parsed)
        if parsed.kind == "create_table":
            for catalog, schema, name in parsed.created:
                self.session.objects.add((self.database(catalog, schema), name.lower()))

    def _keep_view(self, database: str, name: str) -> None:
        text = self._sql(f"SHOW CREATE TABLE {quote(database, name.lower())}").first()
        if text is not None:
            self.store.save_statement("views", database, name, str(text[0]))
            self.session.objects.add((database, name.lower()))
            self.session.views[(database, name.lower())] = str(text[0])

    def _keep_external(self, database: str, name: str, parsed: Statement) -> None:
        physical = quote(database, name.lower())
        location = self._sql(f"DESCRIBE DETAIL {physical}").first()
        if location is not None and str(location["format"]) == "delta":
            statement = (
                f"CREATE TABLE IF NOT EXISTS {physical} USING DELTA "
                f"LOCATION '{sql_string(str(location['location']))}'"
            )
        elif parsed.tree is not None and parsed.tree.expression is None:
            statement = self._local_text(parsed)
        else:
            return
        self.store.save_statement("tables", database, name, statement)
        self.session.objects.add((database, name.lower()))

    def _rename(self, database: str, old: str, new_name: tuple[str, str, str]) -> None:
        new_database = self.database(new_name[0], new_name[1])
        new = new_name[2].lower()
        self.session.forget(database, old)
        if self.store.statement("views", database, old) is not None:
            self.store.drop_object(database, old)
            self._keep_view(new_database, new)
            return
        source, target = (
            self.store.table_folder(database, old),
            self.store.table_folder(new_database, new),
        )
        if source.is_dir() and not target.exists():
            # registered by its folder (another process made it): Spark renamed the entry only
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(source), str(target))
            self._sql(f"DROP TABLE IF EXISTS {quote(new_database, new)}")  # external: entry only
            self._sql(
                f"CREATE TABLE {quote(new_database, new)} USING DELTA "
                f"LOCATION '{sql_string(str(target))}'"
            )
        self.session.objects.add((new_database, new))

    def _drop_database(self, database: str, in_spark: bool = True) -> None:
        if in_spark:
            self.session.register_all(database)
            self._sql(f"DROP DATABASE IF EXISTS {quote(database)} CASCADE")
        self.store.drop_database(database)
        self.session.forget(database)

    def _use_default_schema(self) -> None:
        """Kept, and current, so that pyspark's own one-part names find what SQL made there."""
        self.ensure_schema(CURRENT_CATALOG, DEFAULT_SCHEMA)
        database = self.database(CURRENT_CATALOG, DEFAULT_SCHEMA)
        if plain_catalog(self.spark, "currentDatabase") != database:
            self._sql(f"USE {quote(database)}")

    def _kept(self, current: Callable[[], tuple[str, str]], name: str) -> bool:
        """Whether `name` is kept in the current schema."""
        database = self.database(*current())
        return self.store.has_delta_table(database, name) or any(
            self.store.statement(kind, database, name) for kind in ("views", "tables")
        )

    def _schema_database(self, parsed: Statement) -> str:
        catalog, schema = parsed.schema or ("", "")
        return self.database(catalog, schema)

    def _shown(self, parsed: Statement, frame: DataFrame) -> DataFrame:
        if not parsed.is_metadata or not frame.columns:
            return frame
        rows = [row.asDict() for row in frame.collect()]
        mapped = user_rows(frame.columns, rows)
        return self.spark.createDataFrame(
            [tuple(row[c] for c in frame.columns) for row in mapped], frame.schema
        )

    def _no_rows(self) -> DataFrame:
        from pyspark.sql.types import StructType

        return self.spark.createDataFrame([], StructType([]))


def _local_tables(statement: str) -> list[tuple[str, str]]:
    """The `catalog__schema`.`table` names a stored view reads."""
    try:
        tree = sqlglot.parse_one(statement, read="spark")
    except sqlglot.errors.ParseError:
        return []
    return [
        (table.db.lower(), table.name.lower())
        for table in tree.find_all(exp.Table)
        if table.db and split_database(table.db.lower())
    ]


def sql_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")
