"""What a gold build read and wrote, and whether the next one can be skipped.

A build is known by:
- its SQL's fingerprint: sqlglot's rendering of each statement with comments dropped, so a
  reformat or a comment leaves it as it was and a changed `WHERE` does not;
- the state of each input: a table's Delta version when the target is a table, the input's
  schema when the target is a view (a view reads its inputs when it is queried, so only their
  shape can make it stale). An input with no version (a view read by a table) has no state,
  and the table is rebuilt each time;
- the target's schema after the build.

`reason` compares the last recorded build with the one about to run: None means up to date.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

from medallion_orchestrator.sql_statements import materialized_view_creation, split_statements

# Functions whose value changes from one run to the next: a file calling one is always rebuilt.
NONDETERMINISTIC = frozenset(
    {
        "current_date",
        "current_timestamp",
        "current_time",
        "localtimestamp",
        "now",
        "rand",
        "randn",
        "random",
        "uuid",
        "shuffle",
        "unix_timestamp",
        "curdate",
    }
)
_NONDETERMINISTIC_NODES: dict[type[exp.Expression], str] = {
    exp.CurrentDate: "current_date",
    exp.CurrentTimestamp: "current_timestamp",
    exp.CurrentTime: "current_time",
    exp.Rand: "rand",
    exp.Uuid: "uuid",
}


@dataclass(frozen=True)
class GoldBuild:
    """One build of a gold destination, as recorded in the ledger."""

    fingerprint: str
    inputs: Mapping[str, str | None] = field(default_factory=dict)
    output_schema: str | None = None
    target_version: int | None = None
    sql: str | None = None  # normalized: what a plan diffs the next SQL against

    def fields(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "inputs": dict(self.inputs),
            "output_schema": self.output_schema,
            "target_version": self.target_version,
            "sql": self.sql,
        }

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> GoldBuild:
        return cls(
            str(fields["fingerprint"]),
            dict(fields.get("inputs") or {}),
            fields.get("output_schema"),
            fields.get("target_version"),
            fields.get("sql"),
        )


def fingerprint(text: str) -> str:
    """The SQL's meaning, as far as its text shows it: comments, case of keywords, spacing and
    line breaks do not change it."""
    return hashlib.sha256(normalized_sql(text).encode()).hexdigest()[:16]


def normalized_sql(text: str) -> str:
    """The statements as sqlglot renders them, comments dropped: what the fingerprint hashes."""
    return ";\n".join(_normalized(statement) for statement in split_statements(text))


def _normalized(statement: str) -> str:
    try:
        tree = sqlglot.parse_one(statement, read="databricks")
    except sqlglot.errors.ParseError:
        return " ".join(statement.split())
    return tree.sql(dialect="databricks", comments=False, normalize_functions="lower")


def nondeterministic_calls(text: str) -> tuple[str, ...]:
    """The functions of `NONDETERMINISTIC` the SQL calls, by name, sorted."""
    found: set[str] = set()
    for statement in split_statements(text):
        try:
            tree = sqlglot.parse_one(statement, read="databricks")
        except sqlglot.errors.ParseError:
            continue
        found |= {name for node in tree.walk() if (name := _function_name(node))}
    return tuple(sorted(found & NONDETERMINISTIC))


def _function_name(node: exp.Expression) -> str | None:
    for kind, name in _NONDETERMINISTIC_NODES.items():
        if isinstance(node, kind):
            return name
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return None


def creates_view(text: str) -> bool:
    """Whether the file's last statement creates a (not temporary, not materialized) view."""
    statements = split_statements(text)
    try:
        tree = sqlglot.parse_one(statements[-1], read="databricks") if statements else None
    except sqlglot.errors.ParseError:
        return False
    return (
        isinstance(tree, exp.Create)
        and str(tree.args.get("kind") or "").upper() == "VIEW"
        and tree.find(exp.TemporaryProperty) is None
        and tree.find(exp.MaterializedProperty) is None
    )


def creates_materialized_view(text: str) -> bool:
    """Whether the file's last statement creates a materialized view (built like a table)."""
    statements = split_statements(text)
    return bool(statements) and materialized_view_creation(statements[-1]) is not None


@dataclass(frozen=True)
class Target:
    """The destination as it is now."""

    schema: str
    version: int | None  # None for a view


def reason(
    previous: GoldBuild | None,
    current: GoldBuild,
    target: Target | None,
    forced: bool = False,
    nondeterministic: tuple[str, ...] = (),
) -> str | None:
    """Why the destination must be built again; None when it is up to date.

    `target`: the destination now, None when it does not exist."""
    if forced:
        return "forced"
    if previous is None or target is None:
        return "new"
    if nondeterministic:
        return f"nondeterministic: calls {', '.join(nondeterministic)}"
    if previous.fingerprint != current.fingerprint:
        return "sql_changed"
    changed = [
        _input_change(name, previous.inputs.get(name), state)
        for name, state in current.inputs.items()
        if state is None or previous.inputs.get(name) != state
    ]
    gone = [f"{name} no longer read" for name in previous.inputs if name not in current.inputs]
    if changed or gone:
        return f"inputs_changed: {'; '.join([*changed, *gone])}"
    if previous.output_schema != target.schema:
        return "schema_drift: the target's schema is not the one its last build left"
    if previous.target_version != target.version:
        return (
            f"target_changed: at version {target.version}, its last build left "
            f"{previous.target_version}"
        )
    return None


def _input_change(name: str, before: str | None, now: str | None) -> str:
    if now is None:
        return f"{name} has no version (a view): read anew each time"
    if before is None:
        return f"{name} is newly read"
    for kind in ("version ", "refreshed "):  # a Delta table; a materialized view on Databricks
        if now.startswith(kind) and before.startswith(kind):
            return f"{name} {before} -> {now.removeprefix(kind)}"
    return f"{name} changed shape"


def ledger_text(build: GoldBuild) -> str:
    return json.dumps(build.fields(), sort_keys=True)
