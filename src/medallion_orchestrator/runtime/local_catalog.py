"""The local lakehouse's catalog, kept in files under the home so that it outlives each process.

Open-source Spark keeps its catalog in memory, gone when the process ends. Unity Catalog keeps
everything a user creates; so does this store:
- a Delta table is its folder, `<warehouse>/<catalog>__<schema>.db/<table>`: the Delta log already
  keeps its schema, comment, properties and history;
- a table created elsewhere (`LOCATION '...'`), a view, a schema and a catalog are one JSON file
  each under `<home>/catalog/`: the statement that creates it again, or its comment and properties.

Each file is written whole and renamed into place, so another process on the same home reads
either the old file or the new one, never half of one. Every change also writes a new token to
`<home>/catalog/generation`, so a long-lived session learns that another process changed
something. Nothing here talks to Spark.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEPARATOR = "__"
GENERATION = "generation"


def database_name(catalog: str, schema: str) -> str:
    return f"{catalog}{SEPARATOR}{schema}".lower()


def split_database(database: str) -> tuple[str, str] | None:
    """`dev_bronze__crm` -> ("dev_bronze", "crm"); None for a database outside the mapping."""
    catalog, separator, schema = database.partition(SEPARATOR)
    return (catalog, schema) if separator and catalog and schema else None


def is_spark_database(name: str) -> bool:
    """A database of Spark's own, named as it is: a mapped `catalog__schema`, or `global_temp`."""
    return SEPARATOR in name or name.lower() == "global_temp"


def matches_like(name: str, pattern: str) -> bool:
    """SHOW ... LIKE and the catalog API's patterns: `*` any characters, `|` alternatives,
    case-insensitive."""
    return any(fnmatch.fnmatch(name.lower(), part.strip().lower()) for part in pattern.split("|"))


class LocalCatalogError(Exception):
    """A catalog command refused, worded like Spark's errors: `[CLASS] message`."""

    def __init__(self, error_class: str, message: str) -> None:
        super().__init__(f"[{error_class}] {message}")
        self.error_class = error_class

    def getCondition(self) -> str:
        return self.error_class


def not_made_current(catalog: str) -> LocalCatalogError:
    """Why `USE CATALOG` or `setCurrentCatalog` refuses a catalog, and what to do instead."""
    return LocalCatalogError(
        "UNSUPPORTED_LOCALLY",
        f"Catalog '{catalog}' cannot be made current on the local lakehouse: name its tables "
        f"{catalog}.schema.table, or make one of its schemas current: USE SCHEMA {catalog}.schema.",
    )


@dataclass(frozen=True)
class SchemaEntry:
    comment: str | None = None
    properties: dict[str, str] = field(default_factory=dict)


class CatalogStore:
    """Catalogs, schemas, views and external tables of one home, one file each."""

    def __init__(self, home: Path, warehouse: Path) -> None:
        self.root = home / "catalog"
        self.warehouse = warehouse
        self._seen: str | None = None

    # changes by other processes ---------------------------------------------------------------
    def changed_elsewhere(self) -> bool:
        """Whether the catalog changed since this store last changed or looked."""
        try:
            token = (self.root / GENERATION).read_text()
        except FileNotFoundError:
            token = None
        changed, self._seen = token != self._seen, token
        return changed

    def _changed(self) -> None:
        token = uuid.uuid4().hex
        _replace(self.root / GENERATION, token)
        self._seen = token

    # catalogs -------------------------------------------------------------------------------
    def catalogs(self) -> set[str]:
        named = {path.stem for path in _files(self.root / "catalogs")}
        implied = {split[0] for db in self.databases() if (split := split_database(db))}
        return named | implied

    def save_catalog(self, name: str) -> None:
        _write(self.root / "catalogs" / f"{name.lower()}.json", {"name": name.lower()})
        self._changed()

    def drop_catalog(self, name: str) -> None:
        for database in self.databases():
            if (split_database(database) or ("",))[0] == name.lower():
                self.drop_database(database)
        (self.root / "catalogs" / f"{name.lower()}.json").unlink(missing_ok=True)
        self._changed()

    # schemas (Spark databases) ----------------------------------------------------------------
    def databases(self) -> set[str]:
        recorded = {path.stem for path in _files(self.root / "schemas")}
        folders = {
            path.name.removesuffix(".db")
            for path in _dirs(self.warehouse)
            if path.name.endswith(".db") and split_database(path.name.removesuffix(".db"))
        }
        return recorded | folders

    def schema(self, database: str) -> SchemaEntry:
        raw = _read(self.root / "schemas" / f"{database}.json") or {}
        return SchemaEntry(raw.get("comment"), dict(raw.get("properties") or {}))

    def save_schema(self, database: str, entry: SchemaEntry) -> None:
        _write(
            self.root / "schemas" / f"{database}.json",
            {"comment": entry.comment, "properties": entry.properties},
        )
        self._changed()

    def drop_database(self, database: str) -> None:
        """The schema, its views and external-table records, and its managed tables' data."""
        (self.root / "schemas" / f"{database}.json").unlink(missing_ok=True)
        for folder in (self.root / "views" / database, self.root / "tables" / database):
            shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(self.database_folder(database), ignore_errors=True)
        self._changed()

    def database_folder(self, database: str) -> Path:
        return self.warehouse / f"{database}.db"

    # tables and views --------------------------------------------------------------------------
    def delta_tables(self, database: str) -> list[str]:
        return sorted(
            path.name
            for path in _dirs(self.database_folder(database))
            if (path / "_delta_log").is_dir()
        )

    def table_folder(self, database: str, name: str) -> Path:
        return self.database_folder(database) / name.lower()

    def has_delta_table(self, database: str, name: str) -> bool:
        return (self.table_folder(database, name) / "_delta_log").is_dir()

    def objects(self, kind: str, database: str) -> list[str]:
        """kind: `views` or `tables` (tables created with a LOCATION outside the warehouse)."""
        return sorted(path.stem for path in _files(self.root / kind / database))

    def statement(self, kind: str, database: str, name: str) -> str | None:
        raw = _read(self.root / kind / database / f"{name.lower()}.json")
        return None if raw is None else str(raw["statement"])

    def save_statement(self, kind: str, database: str, name: str, statement: str) -> None:
        _write(self.root / kind / database / f"{name.lower()}.json", {"statement": statement})
        self._changed()

    def drop_object(self, database: str, name: str) -> None:
        for kind in ("views", "tables"):
            (self.root / kind / database / f"{name.lower()}.json").unlink(missing_ok=True)
        folder = self.table_folder(database, name)
        if folder.is_dir():
            shutil.rmtree(folder)
        self._changed()


def _files(folder: Path) -> list[Path]:
    return [path for path in folder.glob("*.json") if path.is_file()] if folder.is_dir() else []


def _dirs(folder: Path) -> list[Path]:
    return [path for path in folder.iterdir() if path.is_dir()] if folder.is_dir() else []


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(path.read_text()))
    except FileNotFoundError:
        return None


def _write(path: Path, content: dict[str, Any]) -> None:
    _replace(path, json.dumps(content, indent=2, sort_keys=True))


def _replace(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "w") as file:
        file.write(text)
    Path(temporary).replace(path)
