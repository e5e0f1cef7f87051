"""`medallion plan`: what the next run of a gold layer would build, and why, writing nothing.

For each SQL row: its state (new, modified, inputs changed, up to date, ...) from the same
comparison the gold loader makes (`loaders.gold_sql.assess`), a semantic diff of its SQL against
the last build's (sqlglot's tree diff, so a reformat is no change), the change of its output
schema (the new query analysed by Spark, nothing run), and the tables downstream of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.diff import Insert, Remove, Update

from medallion_orchestrator.history.run_log import BUILD_STATE, HistoryTables
from medallion_orchestrator.loaders.gold_sql import Assessment, GoldInputs, assess
from medallion_orchestrator.metadata.gold_dependencies import is_sql_row
from medallion_orchestrator.orchestration import plan, validated_rows

if TYPE_CHECKING:
    from medallion_orchestrator.application import Application
    from medallion_orchestrator.runtime.lakehouse import Lakehouse

DIFF_LINES = 12  # edits shown per table; the rest are counted


@dataclass(frozen=True)
class GoldChange:
    destination: str
    state: str
    reason: str
    diff: tuple[str, ...]
    schema_before: str | None
    schema_after: str | None
    downstream: tuple[str, ...]


def gold_plan(
    app: Application, layer: str, full_refresh: bool = False, tables: Sequence[str] = ()
) -> list[GoldChange]:
    """The layer's SQL rows as the next run would find them, in plan order; `full_refresh`
    builds every one, `tables` these ones."""
    refreshed = {name.lower() for name in tables}
    rows = {row.destination: row for row in validated_rows(app, layer)}
    layer_plan = plan(app, layer)
    readers = _readers({task.key: task.depends_on or () for task in layer_plan.tasks})
    ledger = HistoryTables.beside(app.metadata_table).name(BUILD_STATE)
    changes = []
    for task in layer_plan.tasks:
        row = rows[task.key]
        if not is_sql_row(row, app.pipelines):
            continue
        rebuilt = full_refresh or task.key.lower() in refreshed
        assessed = assess(app.lakehouse, row, GoldInputs(app.layout.sql_dir, ledger, rebuilt))
        changes.append(_change(app.lakehouse, task.key, assessed, _downstream(task.key, readers)))
    return changes


def _change(
    lakehouse: Lakehouse, destination: str, assessed: Assessment, downstream: tuple[str, ...]
) -> GoldChange:
    reason = assessed.reason or "up_to_date"
    previous = assessed.previous
    sql_changed = previous is not None and previous.fingerprint != assessed.planned.fingerprint
    return GoldChange(
        destination,
        _state(reason),
        reason,
        _sql_diff(previous.sql if previous else None, assessed.text) if sql_changed else (),
        previous.output_schema if previous else None,
        _query_schema(lakehouse, assessed.text) if assessed.reason else None,
        downstream if assessed.reason else (),
    )


def _state(reason: str) -> str:
    kind = reason.partition(":")[0]
    return {
        "up_to_date": "up to date",
        "new": "new",
        "sql_changed": "modified",
        "inputs_changed": "inputs changed",
        "schema_drift": "changed outside",
        "target_changed": "changed outside",
        "nondeterministic": "always built",
        "forced": "forced",
    }.get(kind, kind)


def _sql_diff(before: str | None, after: str) -> tuple[str, ...]:
    """The edits from the last build's SQL to this one's, top-level nodes only."""
    if before is None:
        return ("(the last build's SQL was not recorded)",)
    old, new = _trees(before), _trees(after)
    lines: list[str] = []
    for number, (source, target) in enumerate(zip(old, new, strict=False), start=1):
        prefix = f"statement {number}: " if max(len(old), len(new)) > 1 else ""
        lines += [prefix + line for line in _edits(source, target)]
    if len(old) != len(new):
        lines.append(f"{len(old)} statement(s) -> {len(new)}")
    shown = lines[:DIFF_LINES]
    if len(lines) > DIFF_LINES:
        shown.append(f"... and {len(lines) - DIFF_LINES} more edit(s)")
    return tuple(shown)


def _trees(text: str) -> list[exp.Expression]:
    return [tree for tree in sqlglot.parse(text, read="databricks") if tree is not None]


def _edits(source: exp.Expression, target: exp.Expression) -> list[str]:
    edits = sqlglot.diff(source, target, delta_only=True)
    touched = {id(edit.expression) for edit in edits if isinstance(edit, Insert | Remove)} | {
        id(edit.target) for edit in edits if isinstance(edit, Update)
    }
    lines = []
    for edit in edits:
        if isinstance(edit, Insert) and not _inside(edit.expression, touched):
            lines.append(f"+ {edit.expression.sql(dialect='databricks')}")
        elif isinstance(edit, Remove) and not _inside(edit.expression, touched):
            lines.append(f"- {edit.expression.sql(dialect='databricks')}")
        elif isinstance(edit, Update) and not _inside(edit.target, touched):
            old = edit.source.sql(dialect="databricks")
            lines.append(f"~ {old} -> {edit.target.sql(dialect='databricks')}")
    return lines


def _inside(node: exp.Expression, touched: set[int]) -> bool:
    parent = node.parent
    while parent is not None:
        if id(parent) in touched:
            return True
        parent = parent.parent
    return False


def _query_schema(lakehouse: Lakehouse, text: str) -> str | None:
    """The schema the file's last statement would create, analysed by Spark (no job runs)."""
    trees = _trees(text)
    query = trees[-1].expression if trees and isinstance(trees[-1], exp.Create) else None
    if not isinstance(query, exp.Query):
        return None
    try:
        return str(lakehouse.sql(query.sql(dialect="databricks")).schema.simpleString())
    except Exception as error:
        return f"(cannot be analysed now: {str(error).splitlines()[0]})"


def _readers(depends_on: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    readers: dict[str, list[str]] = {key: [] for key in depends_on}
    for key, upstream in depends_on.items():
        for name in upstream:
            readers.setdefault(name, []).append(key)
    return readers


def _downstream(key: str, readers: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    found: list[str] = []
    pending = list(readers.get(key, ()))
    while pending:
        name = pending.pop(0)
        if name not in found:
            found.append(name)
            pending += readers.get(name, ())
    return tuple(found)


def render_plan(changes: Sequence[GoldChange]) -> str:
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.state] = counts.get(change.state, 0) + 1
    lines = [", ".join(f"{state} {count}" for state, count in counts.items()) or "no SQL rows"]
    for change in changes:
        lines.append(f"{change.state:<16}{change.destination}")
        if change.reason not in ("up_to_date", "new", "sql_changed"):
            lines.append(f"    why: {change.reason}")
        lines += [f"    {line}" for line in change.diff]
        if change.schema_after and change.schema_before not in (None, change.schema_after):
            lines.append(f"    schema: {change.schema_before}")
            lines.append(f"         -> {change.schema_after}")
        if change.downstream:
            lines.append(f"    downstream: {', '.join(change.downstream)}")
    return "\n".join(lines)
