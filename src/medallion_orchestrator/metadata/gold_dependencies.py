"""The dependencies of a layer's SQL rows, read from their files, and what is wrong with them.

Contract:
- SQL rows: active rows whose pipeline requires `sql_file_path` (gold_sql), whose file is under
  the SQL folder (validation reports the others). Rows are taken layer by layer, so metadata
  files holding several layers can be checked at once.
- `edges`: for each SQL row, the destinations (spelled as their rows spell them) of the active
  rows of its layer whose tables its file reads, itself left out. The planner adds them to the
  row's explicit `depends_on`.
- `problems`, each naming the row:
  - the file cannot be parsed (the file and sqlglot's message);
  - it names a table without a catalog;
  - it writes no table, or a table that is not the row's destination;
  - two rows' files write one table;
  - it reads a table in a catalog.schema the layer's active rows write to that no active row
    of the layer writes: a table of the layer that should have a row.
- Cycles and clashes with execution_order are checked over explicit and SQL edges together, in
  `dependencies.py`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from medallion_orchestrator.errors import Problem
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.sql_references import (
    CatalogSpace,
    SqlFileError,
    SqlReferences,
    file_references,
)
from medallion_orchestrator.project import Pipeline

SQL_REQUIREMENT = "sql_file_path"


@dataclass
class LayerSql:
    edges: dict[str, tuple[str, ...]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def is_sql_row(row: TaskRow, pipelines: Mapping[str, Pipeline]) -> bool:
    """A row whose pipeline runs its SQL file: the file says what it reads."""
    pipeline = pipelines.get(row.execution_pipeline or "")
    return pipeline is not None and SQL_REQUIREMENT in pipeline.requires


def analyse_sql_rows(
    rows: Sequence[TaskRow],
    pipelines: Mapping[str, Pipeline],
    sql_dir: Path,
    catalogs: Mapping[str, str] | None = None,
) -> LayerSql:
    """Edges and problems of every SQL row, each layer on its own (see the module contract)."""
    space = CatalogSpace.of(catalogs)
    result = LayerSql()
    by_layer: dict[str | None, list[TaskRow]] = defaultdict(list)
    for row in rows:
        if row.is_active_flag:
            by_layer[row.layer].append(row)
    for layer_rows in by_layer.values():
        _analyse_layer(layer_rows, pipelines, sql_dir, space, result)
    return result


def sql_edges(
    rows: Sequence[TaskRow],
    pipelines: Mapping[str, Pipeline],
    sql_dir: Path,
    catalogs: Mapping[str, str] | None = None,
) -> dict[str, tuple[str, ...]]:
    """What each SQL row reads of its layer; rows must be validated first."""
    return analyse_sql_rows(rows, pipelines, sql_dir, catalogs).edges


def _analyse_layer(
    rows: list[TaskRow],
    pipelines: Mapping[str, Pipeline],
    sql_dir: Path,
    space: CatalogSpace,
    result: LayerSql,
) -> None:
    owners = {_destination(row, space): row.destination for row in rows}
    schemas = {name.rsplit(".", 1)[0] for name in owners}
    files = _read_files(rows, pipelines, sql_dir, space, result)
    writers: dict[str, list[TaskRow]] = defaultdict(list)
    for row, references in files:
        for name in references.writes:
            writers[name].append(row)
    for row, references in files:
        own = _destination(row, space)
        result.problems += [
            Problem(row.destination, message)
            for message in (
                *_unqualified_problems(row, references),
                *_target_problems(row, own, references, writers, owners),
                *_missing_row_problems(row, references, owners, schemas),
            )
        ]
        reads = (owners[name] for name in references.reads if name in owners and name != own)
        result.edges[row.destination] = tuple(dict.fromkeys(reads))


def _read_files(
    rows: list[TaskRow],
    pipelines: Mapping[str, Pipeline],
    sql_dir: Path,
    space: CatalogSpace,
    result: LayerSql,
) -> list[tuple[TaskRow, SqlReferences]]:
    """The references of each SQL row whose file can be read; a problem for each that cannot."""
    files = []
    for row in rows:
        path = _sql_file(row, sql_dir) if is_sql_row(row, pipelines) else None
        if path is None:
            continue
        try:
            files.append((row, file_references(path, space)))
        except (SqlFileError, UnicodeDecodeError) as error:
            message = f"{row.sql_file_path} cannot be parsed: {error}"
            result.problems.append(Problem(row.destination, message))
    return files


def _unqualified_problems(row: TaskRow, references: SqlReferences) -> list[str]:
    return [
        f"{row.sql_file_path} names {name} without a catalog: write catalog.schema.table, "
        "so the environment's catalog mapping applies and its row can be found"
        for name in references.unqualified
    ]


def _target_problems(
    row: TaskRow,
    own: str,
    references: SqlReferences,
    writers: Mapping[str, list[TaskRow]],
    owners: Mapping[str, str],
) -> list[str]:
    """The file must write its row's destination, and no table another row writes."""
    messages = []
    for name in references.writes:
        others = [other for other in writers[name] if other.destination != row.destination]
        if name == own:
            continue
        if others:
            messages += [_shared_target(row, name, other) for other in others]
        elif name in owners:
            messages.append(f"{row.sql_file_path} writes {name}, the destination of another row")
        else:
            messages.append(
                f"{row.sql_file_path} writes {name}, not this row's destination {row.destination}"
            )
    if own not in references.writes and not messages:
        messages.append(
            f"{row.sql_file_path} does not write {row.destination}: it must CREATE "
            "(or INSERT INTO, MERGE INTO) it"
        )
    return messages


def _shared_target(row: TaskRow, name: str, other: TaskRow) -> str:
    if other.sql_file_path == row.sql_file_path:
        return (
            f"{row.sql_file_path} writes {name}, not this row's destination {row.destination} "
            f"(the file of row {other.destination} too)"
        )
    return (
        f"{row.sql_file_path} writes {name}, which {other.sql_file_path} "
        f"(row {other.destination}) writes too: one table, one file"
    )


def _missing_row_problems(
    row: TaskRow, references: SqlReferences, owners: Mapping[str, str], schemas: set[str]
) -> list[str]:
    return [
        f"{row.sql_file_path} reads {name}, which no active row of layer {row.layer} writes "
        f"(rows of this layer write {name.rsplit('.', 1)[0]}: give the table its row, "
        "or activate it)"
        for name in references.reads
        if name not in owners and name.rsplit(".", 1)[0] in schemas
    ]


def _destination(row: TaskRow, space: CatalogSpace) -> str:
    return space.name(row.dst_catalog or "?", row.dst_schema or "?", row.dst_table_name or "?")


def _sql_file(row: TaskRow, sql_dir: Path) -> Path | None:
    """The row's file if it is one under the SQL folder (validation names the other cases)."""
    if not row.sql_file_path or Path(row.sql_file_path).is_absolute():
        return None
    root = sql_dir.resolve()
    candidate = (root / row.sql_file_path).resolve()
    return candidate if candidate.is_relative_to(root) and candidate.is_file() else None


def cross_layer_reads(
    rows: Sequence[TaskRow],
    pipelines: Mapping[str, Pipeline],
    sql_dir: Path,
    catalogs: Mapping[str, str] | None = None,
) -> dict[str, tuple[str, ...]]:
    """For layers run together: the destinations of the other layers' rows that each row reads.

    A SQL row reads what its file reads; any other row reads its source table (the metadata
    contract of a loader). Rows must be validated first; each destination keeps its row's
    spelling.
    """
    space = CatalogSpace.of(catalogs)
    owners = {_destination(row, space): row for row in rows}
    reads: dict[str, tuple[str, ...]] = {}
    for row in rows:
        path = _sql_file(row, sql_dir) if is_sql_row(row, pipelines) else None
        names = file_references(path, space).reads if path else (_source(row, space),)
        others = (owners[name] for name in names if name in owners)
        reads[row.destination] = tuple(
            dict.fromkeys(other.destination for other in others if other.layer != row.layer)
        )
    return reads


def _source(row: TaskRow, space: CatalogSpace) -> str:
    return space.name(row.src_catalog or "?", row.src_schema or "?", row.src_table_name or "?")
