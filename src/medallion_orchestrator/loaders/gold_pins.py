"""Consistent inputs: every gold build of a run reads its inputs at the Delta versions pinned
when the run started, so no gold table mixes two states of silver.

`pinned_sql` adds `VERSION AS OF n` to each read of a pinned table (the statement's own target is
left alone); names are compared as the rows write them (`CatalogSpace`), before the local name
mapping, which keeps the version clause.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from medallion_orchestrator.loaders.common import latest_version
from medallion_orchestrator.metadata.sql_references import CatalogSpace, text_references

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse

Pins = Mapping[str, int]


def pinned_sql(statement: str, pins: Pins, space: CatalogSpace) -> str:
    if not pins:
        return statement
    try:
        tree = sqlglot.parse_one(statement, read="databricks")
    except sqlglot.errors.ParseError:
        return statement
    target = _written(tree)
    changed = False
    for table in tree.find_all(exp.Table):
        if table is target or not table.catalog or table.args.get("version") is not None:
            continue
        version = pins.get(space.name(table.catalog, table.db, table.name))
        if version is None:
            continue
        table.set(
            "version",
            exp.Version(this="VERSION", kind="AS OF", expression=exp.Literal.number(version)),
        )
        changed = True
    return tree.sql(dialect="databricks") if changed else statement


def _written(tree: exp.Expression) -> exp.Expression | None:
    node = tree.this if isinstance(tree, exp.Create | exp.Insert | exp.Merge) else None
    return node.this if isinstance(node, exp.Schema) else node


def pins_text(pins: Pins) -> str:
    return json.dumps(dict(sorted(pins.items())))


def pins_from_text(text: str | None) -> dict[str, int]:
    return {str(name): int(version) for name, version in json.loads(text or "{}").items()}


def current_pins(
    lakehouse: Lakehouse, sql_texts: Iterable[str], written: set[str]
) -> dict[str, int]:
    """The Delta version now of each table the SQL reads that the layer does not write; a view
    (no version) is not pinned."""
    space = CatalogSpace.of(lakehouse.catalogs)
    names = {name for text in sql_texts for name in text_references(text, space).reads}
    pins: dict[str, int] = {}
    for name in sorted(names - written):
        try:
            version = latest_version(lakehouse, lakehouse.table_of(name))
        except Exception:  # a view, or not a Delta table
            version = None
        if version is not None:
            pins[name] = version
    return pins
