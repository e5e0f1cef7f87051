"""Checks every active row of a layer before anything runs.

Each row on its own (columns, identifiers, its SQL file, cdc_source_config), then across rows: one
row per destination, what SQL files read and write (`gold_dependencies`), and `depends_on` with
the SQL's edges (`dependencies`). `catalogs` is the environment's catalog mapping, so a SQL file
may name either the rows' catalogs or the environment's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from medallion_orchestrator.errors import InvalidMetadata, Problem
from medallion_orchestrator.metadata.cdc_config import AUTO_CDC_HISTORY, CdcSourceConfig
from medallion_orchestrator.metadata.column_mapping import row_problems
from medallion_orchestrator.metadata.dependencies import dependency_problems
from medallion_orchestrator.metadata.expressions import expression_problems
from medallion_orchestrator.metadata.gold_dependencies import analyse_sql_rows, is_sql_row
from medallion_orchestrator.metadata.hydrate_options import hydrate_problems
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.replace_where_options import replace_where_problems
from medallion_orchestrator.metadata.snapshot_options import snapshot_problems
from medallion_orchestrator.project import Pipeline

SAFE_IDENTIFIER = re.compile(r"^[A-Za-z0-9_]+$")
RESERVED_PROPERTIES = ("provider", "location", "owner", "external", "is_managed_location")
SAFE_PROPERTY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
SOURCE_FREE_REQUIREMENT = "sql_file_path"


def is_safe_identifier(name: str | None) -> bool:
    return name is not None and bool(SAFE_IDENTIFIER.fullmatch(name))


def validate_rows(
    rows: Sequence[TaskRow],
    pipelines: Mapping[str, Pipeline],
    sql_dir: Path,
    catalogs: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every problem of every row, each naming the row's destination."""
    problems: list[Problem] = []
    for row in rows:
        problems += [
            Problem(row.destination, message) for message in _row_problems(row, pipelines, sql_dir)
        ]
    for destination, count in Counter(row.destination for row in rows).items():
        if count > 1:
            problems.append(Problem(destination, f"{count} active rows write this destination"))
    sql = analyse_sql_rows(rows, pipelines, sql_dir, catalogs)
    return problems + sql.problems + dependency_problems(rows, sql.edges)


def check_rows(
    rows: Sequence[TaskRow],
    pipelines: Mapping[str, Pipeline],
    sql_dir: Path,
    catalogs: Mapping[str, str] | None = None,
) -> None:
    """InvalidMetadata with every problem of `validate_rows`, if there is one."""
    if problems := validate_rows(rows, pipelines, sql_dir, catalogs):
        raise InvalidMetadata(problems)


def check_upsert(
    current: Sequence[TaskRow],
    incoming: Sequence[TaskRow],
    pipelines: Mapping[str, Pipeline],
    sql_dir: Path,
    catalogs: Mapping[str, str] | None = None,
) -> None:
    """Check, as a run would, every layer that MERGEing `incoming` (by destination) into the
    active rows `current` changes: the rows as they will be, not the incoming ones alone."""
    problems: list[Problem] = []
    for rows in rows_after_upsert(current, incoming).values():
        problems += validate_rows(rows, pipelines, sql_dir, catalogs)
    if problems:
        raise InvalidMetadata(problems)


def rows_after_upsert(
    current: Sequence[TaskRow], incoming: Sequence[TaskRow]
) -> dict[str, list[TaskRow]]:
    """The active rows of each layer the MERGE touches (one it adds to, or one it takes from)."""
    replaced = {row.destination for row in incoming}
    layers = {row.layer for row in incoming if row.is_active_flag is not False}
    layers |= {row.layer for row in current if row.destination in replaced}
    after = [row for row in current if row.destination not in replaced]
    after += [row for row in incoming if row.is_active_flag is not False]
    return {str(layer): [row for row in after if row.layer == layer] for layer in layers}


def _row_problems(row: TaskRow, pipelines: Mapping[str, Pipeline], sql_dir: Path) -> Iterable[str]:
    pipeline = pipelines.get(row.execution_pipeline or "")
    if pipeline is None:
        known = ", ".join(sorted(pipelines))
        yield f"unknown execution_pipeline {row.execution_pipeline!r} (known: {known})"
    if row.execution_order is None:
        if not is_sql_row(row, pipelines):
            yield "execution_order is NULL (only a gold_sql row, ordered by its SQL, may omit it)"
    elif row.execution_order < 0:
        yield f"execution_order must be >= 0, got {row.execution_order}"
    if row.timeout_seconds is not None and row.timeout_seconds <= 0:
        yield f"timeout_seconds must be positive, got {row.timeout_seconds}"
    if row.max_retries is not None and row.max_retries < 0:
        yield f"max_retries must be >= 0, got {row.max_retries}"
    yield from _identifier_problems("dst", (row.dst_catalog, row.dst_schema, row.dst_table_name))
    requires = pipeline.requires if pipeline else ()
    if SOURCE_FREE_REQUIREMENT not in requires:
        yield from _identifier_problems(
            "src", (row.src_catalog, row.src_schema, row.src_table_name)
        )
    for column_list in ("business_key_columns", "primary_key_columns"):
        columns = getattr(row, column_list)
        if column_list in requires and not columns:
            yield f"{column_list} is required by execution_pipeline {row.execution_pipeline!r}"
        yield from (
            f"{column_list} has unsafe column name {name!r}"
            for name in columns or ()
            if not is_safe_identifier(name)
        )
    if "sql_file_path" in requires or row.sql_file_path:
        yield from _sql_file_problems(row.sql_file_path, sql_dir)
    yield from _cdc_problems(
        row.cdc_source_config, row.business_key_columns or (), row.execution_pipeline, row.source
    )


def _identifier_problems(prefix: str, parts: tuple[str | None, ...]) -> Iterable[str]:
    for kind, name in zip(("catalog", "schema", "table_name"), parts, strict=True):
        if name is None or name == "":
            yield f"{prefix}_{kind} is missing"
        elif not is_safe_identifier(name):
            yield f"{prefix}_{kind} {name!r} is not a safe identifier (letters, digits, _ only)"


def _sql_file_problems(sql_file_path: str | None, sql_dir: Path) -> Iterable[str]:
    if not sql_file_path:
        yield "sql_file_path is missing"
        return
    root = sql_dir.resolve()
    candidate = (root / sql_file_path).resolve()
    if Path(sql_file_path).is_absolute() or not candidate.is_relative_to(root):
        yield f"sql_file_path {sql_file_path!r} leaves the SQL folder {root}"
    elif not candidate.is_file():
        yield f"sql_file_path {sql_file_path!r} does not exist under {root}"


def _cdc_problems(
    text: str | None, keys: Sequence[str], pipeline: str | None, source: str
) -> Iterable[str]:
    try:
        config = CdcSourceConfig.parse(text)
    except ValueError as error:
        yield str(error)
        return
    for name in config.column_names():
        if not is_safe_identifier(name):
            yield f"cdc_source_config names unsafe column {name!r}"
    yield from _exclusive_problems(config)
    yield from (f"cdc_source_config.{problem}" for problem in row_problems(config.column_mapping))
    for name in ("ignore_null_updates_columns", "ignore_null_updates_except_columns"):
        if listed := [key for key in keys if key in (getattr(config, name) or ())]:
            yield (
                f"cdc_source_config.{config.key(name)} names key column(s) "
                f"{', '.join(listed)}: a key is never NULL in an update"
            )
    for name in ("delete_condition", "truncate_condition"):
        if (condition := getattr(config, name)) is not None:
            yield from expression_problems(f"cdc_source_config.{config.key(name)}", condition)
    yield from _truncate_problems(config, pipeline)
    yield from snapshot_problems(config, keys, pipeline)
    yield from replace_where_problems(config, pipeline, is_safe_identifier)
    yield from hydrate_problems(config, pipeline, source, is_safe_identifier)
    yield from _tombstone_problems(config, pipeline)
    yield from _loader_key_problems(config)
    yield from _property_problems(config)


def _property_problems(config: CdcSourceConfig) -> Iterable[str]:
    """Table property names reach SQL as quoted literals: safe names, and not the comment."""
    key = f"cdc_source_config.{config.key('table_properties')}"
    for name, _ in config.table_properties:
        if not SAFE_PROPERTY.fullmatch(name):
            yield f"{key} has unsafe property name {name!r} (letters, digits, _ . - only)"
        elif name.lower() == "comment":
            yield f"{key}: give the table's comment as comment (or table_comment)"
        elif name.lower() in RESERVED_PROPERTIES:
            yield f"{key}: {name} is a reserved table property, Spark sets it"


def _truncate_problems(config: CdcSourceConfig, pipeline: str | None) -> Iterable[str]:
    """A truncate empties an SCD1 target of what is sequenced before it: SCD1, sequenced."""
    if config.truncate_condition is None:
        return
    key = f"cdc_source_config.{config.key('truncate_condition')}"
    if pipeline != "scd1":
        yield (
            f"{key} applies to execution_pipeline scd1 only, not {pipeline!r} "
            "(AUTO CDC truncates SCD type 1 only)"
        )
    if not config.sequence_columns:
        yield f"{key} needs sequence_by (or sequence_column) to order events around the truncate"


def _tombstone_problems(config: CdcSourceConfig, pipeline: str | None) -> Iterable[str]:
    """Tombstones keep an SCD1 target's deletes in sequence (SCD2 keeps them in its history)."""
    if "tombstone_retention_seconds" not in dict(config.written):
        return
    key = f"cdc_source_config.{config.key('tombstone_retention_seconds')}"
    if pipeline != "scd1":
        yield f"{key} applies to execution_pipeline scd1 only, not {pipeline!r}"
    elif not (config.sequence_columns and config.delete_condition):
        yield (
            f"{key} needs sequence_by (or sequence_column) and apply_as_deletes (or "
            "delete_condition): tombstones keep deletes in sequence"
        )


def _exclusive_problems(config: CdcSourceConfig) -> Iterable[str]:
    """Options that are forms of one choice: at most one of each group may be given."""
    given = {
        "track_history_columns": config.track_history_columns is not None,
        "track_history_except_columns": config.track_history_except_columns is not None,
        "ignore_null_updates": config.ignore_null_updates,
        "ignore_null_updates_columns": config.ignore_null_updates_columns is not None,
        "ignore_null_updates_except_columns": config.ignore_null_updates_except_columns is not None,
        "include_columns": config.include_columns is not None,
        "exclude_columns": bool(config.exclude_columns),
    }
    for group in _EXCLUSIVE:
        if len(used := [config.key(name) for name in group if given[name]]) > 1:
            yield f"cdc_source_config: {' and '.join(used)} cannot be used together; give one"


_EXCLUSIVE = (
    ("track_history_columns", "track_history_except_columns"),
    ("ignore_null_updates", "ignore_null_updates_columns", "ignore_null_updates_except_columns"),
    ("include_columns", "exclude_columns"),
)


def _loader_key_problems(config: CdcSourceConfig) -> Iterable[str]:
    """Keys the loaders add: a quarantine table name, SCD2 column names, a kept watermark."""
    if config.quarantine_table is not None:
        parts = config.quarantine_table.split(".")
        if len(parts) != 3 or not all(is_safe_identifier(part) for part in parts):
            yield (
                f"cdc_source_config.quarantine_table {config.quarantine_table!r} must be "
                "catalog.schema.table, each a safe identifier (letters, digits, _ only)"
            )
    if len(set(config.scd2_columns)) != len(config.scd2_columns):
        yield "cdc_source_config: effective_from/effective_to/is_current columns must differ"
    if config.history_columns == "auto_cdc":
        for name in AUTO_CDC_HISTORY:
            if name in dict(config.written):
                yield (
                    f'cdc_source_config: {config.key("history_columns")} "auto_cdc" names the '
                    f"SCD2 columns; {config.key(name)} cannot be given with it"
                )
    if config.watermark_column is not None and config.watermark_column in config.exclude_columns:
        yield (
            f"cdc_source_config: watermark_column {config.watermark_column!r} cannot be in "
            f"{config.key('exclude_columns')} (the committed watermark is read from the silver "
            "table)"
        )
    watermark, carried = config.watermark_column, config.include_columns
    if watermark is not None and carried is not None and watermark not in carried:
        yield (
            f"cdc_source_config: watermark_column {watermark!r} must be in "
            f"{config.key('include_columns')} (the committed watermark is read from the silver "
            "table)"
        )
