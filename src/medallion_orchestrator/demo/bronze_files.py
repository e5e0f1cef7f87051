"""The demo's bronze data files: one YAML file a table, `metadata/demo_bronze/SCHEMA.TABLE.yml`.

A file lists each day's rows as picks of seed ids: the generator's rows (demo/generated.py), or
the file's own `rows` (row k is seed id k) typed by its `columns`. A pick may filter its rows
(`where`, SQL) and set columns to values (`set`). Day 2 adds to day 1 unless `snapshot: true`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from medallion_orchestrator.errors import ConfigError

KEYS = {"snapshot", "columns", "rows", "day1", "day2"}
PICK_KEYS = {"ids", "where", "set"}


@dataclass(frozen=True)
class Pick:
    """Seed ids `low` to `high` (both included), filtered by `where`, with `set` values."""

    low: int
    high: int
    where: str | None = None
    set: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class TableFile:
    schema: str
    name: str
    days: Mapping[int, tuple[Pick, ...]]
    snapshot: bool = False
    columns: Mapping[str, str] = field(default_factory=dict)
    rows: tuple[tuple[str | None, ...], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> tuple[str | None, ...]:
        """The values of one of the file's own columns, in row order."""
        index = list(self.columns).index(name)
        return tuple(row[index] for row in self.rows)


def read_table_files(folder: Path) -> list[TableFile]:
    files = sorted(folder.glob("*.yml"))
    if not files:
        raise ConfigError(f"{folder}: no bronze table files (*.yml)")
    return [_table_file(path) for path in files]


def _table_file(path: Path) -> TableFile:
    raw = yaml.safe_load(path.read_text())
    try:
        schema, name = path.stem.split(".")
        return _parsed(schema, name, raw)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"{path}: {error}") from None


def _parsed(schema: str, name: str, raw: dict[str, Any]) -> TableFile:
    if unknown := set(raw) - KEYS:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    columns = {column: str(kind) for column, kind in (raw.get("columns") or {}).items()}
    rows = tuple(tuple(map(_text, row)) for row in raw.get("rows") or ())
    if any(len(row) != len(columns) for row in rows):
        raise ValueError(f"each row needs one value a column ({len(columns)})")
    snapshot = bool(raw.get("snapshot", False))
    if snapshot and not raw.get("day2"):
        raise ValueError("a snapshot replaces its rows each day: it needs `day2`")
    return TableFile(
        schema,
        name,
        days={1: _picks(raw["day1"]), 2: _picks(raw.get("day2") or [])},
        snapshot=snapshot,
        columns=columns,
        rows=rows,
    )


def _picks(entries: list[dict[str, Any]]) -> tuple[Pick, ...]:
    return tuple(_pick(entry) for entry in entries)


def _pick(entry: dict[str, Any]) -> Pick:
    if unknown := set(entry) - PICK_KEYS:
        raise ValueError(f"unknown keys {sorted(unknown)} in {entry}")
    ids = entry["ids"]
    low, high = (ids, ids) if isinstance(ids, int) else ids
    values = {column: _text(value) for column, value in (entry.get("set") or {}).items()}
    return Pick(low, high, entry.get("where"), values)


def _text(value: object) -> str | None:
    """A YAML value as the text Spark casts to its column's type (None stays NULL)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    return str(value)
