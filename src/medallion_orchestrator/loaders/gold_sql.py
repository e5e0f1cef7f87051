"""Gold SQL: runs the statements of the row's SQL file, names mapped for this lakehouse, unless
the destination is up to date with them.

Up to date: the ledger's last build (`ledger`, the `gold_build_state` view beside run_log) has the
same SQL fingerprint and input states, and the target is as that build left it
(`gold_build.reason`). Then nothing is written and the result says UP_TO_DATE. A view is read
once after it is built or found up to date (`LIMIT 0`): one an upstream change broke fails here,
naming the column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import LoadResult, latest_version
from medallion_orchestrator.loaders.gold_build import (
    GoldBuild,
    Target,
    creates_materialized_view,
    creates_view,
    fingerprint,
    nondeterministic_calls,
    normalized_sql,
    reason,
)
from medallion_orchestrator.loaders.gold_pins import Pins, pinned_sql
from medallion_orchestrator.loaders.materialized_views import (
    check_fresh,
    refresh_statement,
    refreshed_state,
)
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.sql_references import CatalogSpace, text_references
from medallion_orchestrator.sql_statements import split_statements

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse


@dataclass(frozen=True)
class GoldInputs:
    """What a gold build reads besides its row: the SQL folder, the build ledger, whether it is
    rebuilt whatever changed, and the inputs' pinned Delta versions (`gold_pins`), by name."""

    sql_dir: Path
    ledger: str | None = None
    full_refresh: bool = False
    pins: Pins | None = None


@dataclass(frozen=True)
class Assessment:
    """A gold destination before its build: what would be built, against what was."""

    text: str
    view: bool
    kept_by_databricks: bool  # a materialized view, on Databricks: it has no Delta version here
    planned: GoldBuild
    previous: GoldBuild | None
    target: Target | None
    reason: str | None  # None: up to date


def assess(lakehouse: Lakehouse, task: TaskRow, inputs: GoldInputs) -> Assessment:
    """Reads the SQL file, the inputs' states (a pinned input: its pinned version), the ledger
    and the target; writes nothing."""
    text = sql_file(task, inputs.sql_dir).read_text()
    view = creates_view(text)
    kept = creates_materialized_view(text) and lakehouse.keeps_materialized_views
    states = _input_states(lakehouse, text, view, inputs.pins or {})
    planned = GoldBuild(fingerprint(text), states, sql=normalized_sql(text))
    previous = _last_build(lakehouse, inputs.ledger, task.destination)
    target = _target(lakehouse, LoadSpec.of(task).target(lakehouse), view or kept)
    why = reason(previous, planned, target, inputs.full_refresh, nondeterministic_calls(text))
    return Assessment(text, view, kept, planned, previous, target, why)


def load_gold_sql(lakehouse: Lakehouse, task: TaskRow, inputs: GoldInputs) -> LoadResult:
    assert task.dst_catalog and task.dst_schema
    lakehouse.ensure_schema(task.dst_catalog, task.dst_schema)
    assessed = assess(lakehouse, task, inputs)
    space = CatalogSpace.of(lakehouse.catalogs)
    statements = split_statements(assessed.text)
    if not statements:
        raise LoadError(f"{task.destination}: {task.sql_file_path} holds no statement")
    target = LoadSpec.of(task).target(lakehouse)
    kept_by_databricks = assessed.kept_by_databricks
    versionless = assessed.view or kept_by_databricks
    if assessed.reason is None:
        built = _as_left(lakehouse, task, target, assessed.planned, versionless)
        if kept_by_databricks:
            check_fresh(lakehouse, task.destination, target, built.inputs)
        return LoadResult(
            task.destination,
            None,
            built.target_version,
            "up to date: same SQL and inputs as its last build",
            build=built.fields() | {"reason": "up_to_date"},
            up_to_date=True,
        )
    if kept_by_databricks and _refreshable(assessed):
        statements = [refresh_statement(target)]
    for number, statement in enumerate(statements, start=1):
        try:
            lakehouse.sql(pinned_sql(statement, inputs.pins or {}, space))
        except Exception as error:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise LoadError(
                f"{task.destination}: {task.sql_file_path} statement {number}: {first}"
            ) from error
    if not lakehouse.spark.catalog.tableExists(target):
        raise LoadError(
            f"{task.destination}: {task.sql_file_path} ran but did not create {task.destination}"
        )
    built = _as_left(lakehouse, task, target, assessed.planned, versionless)
    if kept_by_databricks:
        check_fresh(lakehouse, task.destination, target, built.inputs)
    rows = lakehouse.spark.table(target).count()
    return LoadResult(
        task.destination,
        rows,
        built.target_version,
        f"{len(statements)} statement(s); built: {assessed.reason}{_stand_in(assessed, lakehouse)}",
        build=built.fields() | {"reason": assessed.reason},
    )


def _refreshable(assessed: Assessment) -> bool:
    """The view exists and its SQL is as last built: Databricks refreshes it, incrementally
    where it can, instead of computing it again from nothing."""
    previous = assessed.previous
    return (
        assessed.target is not None
        and previous is not None
        and previous.fingerprint == assessed.planned.fingerprint
    )


def _stand_in(assessed: Assessment, lakehouse: Lakehouse) -> str:
    if lakehouse.keeps_materialized_views or not creates_materialized_view(assessed.text):
        return ""
    return "; a materialized view: locally a Delta table built from its query"


def _as_left(
    lakehouse: Lakehouse, task: TaskRow, target: str, planned: GoldBuild, view: bool
) -> GoldBuild:
    """The build's ledger entry, completed from the target as it is now (a view, or a
    materialized view on Databricks: read first, no Delta version)."""
    if view:
        _probe(lakehouse, task, target)
    version = None if view else latest_version(lakehouse, target)
    return replace(planned, output_schema=_schema(lakehouse, target), target_version=version)


def _input_states(lakehouse: Lakehouse, text: str, view: bool, pins: Pins) -> dict[str, str | None]:
    """Each table the SQL reads: its Delta version, or its schema when `view` (see gold_build)."""
    reads = text_references(text, CatalogSpace.of(lakehouse.catalogs)).reads
    states: dict[str, str | None] = {}
    for name in reads:
        physical = lakehouse.table_of(name)
        if name in pins and not view:
            states[name] = f"version {pins[name]}"
            continue
        if view:
            states[name] = _schema(lakehouse, physical)
            continue
        if lakehouse.keeps_materialized_views and lakehouse.is_materialized_view(physical):
            states[name] = refreshed_state(lakehouse, physical)
            continue
        try:
            version = latest_version(lakehouse, physical)
        except Exception:  # a view, or not a Delta table: no version to compare
            version = None
        states[name] = None if version is None else f"version {version}"
    return states


def _last_build(lakehouse: Lakehouse, ledger: str | None, destination: str) -> GoldBuild | None:
    if ledger is None:
        return None
    physical = lakehouse.table_of(ledger)
    if not lakehouse.spark.catalog.tableExists(physical):
        return None
    row = lakehouse.spark.sql(
        f"SELECT build FROM {physical} WHERE destination = :destination",
        args={"destination": destination},
    ).first()
    return None if row is None else GoldBuild.from_fields(json.loads(row["build"]))


def _target(lakehouse: Lakehouse, target: str, view: bool) -> Target | None:
    """The target now; None when it is missing or, a view, no longer reads (built again, its
    error names what it lost)."""
    try:
        schema = _schema(lakehouse, target)
    except Exception:
        return None
    if schema is None:
        return None
    return Target(schema, None if view else latest_version(lakehouse, target))


def _schema(lakehouse: Lakehouse, table: str) -> str | None:
    if not lakehouse.spark.catalog.tableExists(table):
        return None
    return str(lakehouse.spark.table(table).schema.simpleString())


def _probe(lakehouse: Lakehouse, task: TaskRow, target: str) -> None:
    """Read the view, no rows: a column its SQL names and an input lost fails here."""
    try:
        lakehouse.spark.table(target).limit(0).collect()
    except Exception as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise LoadError(f"{task.destination}: the view no longer reads: {first}") from error


def sql_file(task: TaskRow, sql_dir: Path) -> Path:
    """The row's SQL file, refused if it leaves the SQL folder."""
    root = sql_dir.resolve()
    candidate = (root / (task.sql_file_path or "")).resolve()
    if not task.sql_file_path or not candidate.is_relative_to(root) or not candidate.is_file():
        raise LoadError(
            f"{task.destination}: sql_file_path {task.sql_file_path!r} is not a file under {root}"
        )
    return candidate
