"""The `cdc_source_config` JSON object of a metadata row.

Databricks AUTO CDC's option names are accepted as aliases (`sequence_by`, `column_list`,
`except_column_list`, ...), so a flow's settings can be copied over as they are; giving an
option under two names is an error. The key as written is kept for messages (`key`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class CdcSourceConfig:
    """Every key a row may set; an unknown key is an error, never ignored.

    Loader semantics for each key are in docs/loaders.md.
    """

    # Source column -> silver name, applied as the source is read: other keys use silver names.
    column_mapping: tuple[tuple[str, str], ...] = ()
    # Orders change events: by the first column, ties broken by the next (AUTO CDC's struct).
    sequence_columns: tuple[str, ...] = ()
    delete_condition: str | None = None
    # SCD1: marks an event that empties the target of everything sequenced before it.
    truncate_condition: str | None = None
    full_extract: bool = False
    track_history_columns: tuple[str, ...] | None = None
    track_history_except_columns: tuple[str, ...] | None = None
    watermark_column: str | None = None
    include_columns: tuple[str, ...] | None = None
    exclude_columns: tuple[str, ...] = ()
    # A NULL in an update keeps the target's value: every column, the listed ones, or all but.
    ignore_null_updates: bool = False
    ignore_null_updates_columns: tuple[str, ...] | None = None
    ignore_null_updates_except_columns: tuple[str, ...] | None = None
    # SCD2 output column names; "auto_cdc" names them as AUTO CDC does (no is_current column).
    history_columns: str = "default"
    effective_from_column: str = "effective_from"
    effective_to_column: str = "effective_to"
    is_current_column: str | None = "is_current"
    # Three-level name of the table that receives rows with a NULL key (instead of failing).
    quarantine_table: str | None = None
    # The target's comment, properties and clustering: set on create, kept in sync after.
    table_comment: str | None = None
    table_properties: tuple[tuple[str, str], ...] = ()
    cluster_by: tuple[str, ...] | None = None
    # fact_overwrite: a changed bronze schema replaces the silver one (else: an error).
    allow_schema_change: bool = False
    # scd1 / scd2: a one-time full snapshot (catalog.schema.table) applied as change events
    # before the change feed on the first load only; AUTO CDC's `once=True` flow.
    initial_hydrate_source: str | None = None
    # fact_replace_where: the predicate whose target rows the source replaces in one commit
    # (Delta's replaceWhere; dbt-databricks' incremental_predicates, joined by AND).
    replace_where: str | None = None
    # scd1_snapshot / scd2_snapshot: the column naming each row's snapshot (None: the source
    # is one periodic snapshot); AUTO CDC's `source` function returning (snapshot, version).
    snapshot_version_column: str | None = None
    # scd1: how long a delete's tombstone is kept (0: none), so a late older upsert cannot bring
    # the key back after bronze lost the delete; AUTO CDC's tombstoneGCThresholdInSeconds.
    tombstone_retention_seconds: int = 7 * 24 * 3600
    written: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def parse(cls, text: str | None) -> CdcSourceConfig:
        """Parse the column's JSON; NULL or `{}` means the defaults. Raises ValueError."""
        if text is None or not text.strip():
            return cls()
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"cdc_source_config is not valid JSON ({error.msg})") from None
        if not isinstance(raw, dict):
            raise ValueError("cdc_source_config must be a JSON object")
        unknown = sorted(set(raw) - set(KNOWN) - set(AUTO_CDC) - set(DBT))
        if unknown:
            raise ValueError(
                f"cdc_source_config has unknown key(s) {', '.join(unknown)}; "
                f"known keys: {', '.join(sorted(KNOWN))} "
                f"(AUTO CDC names too: {', '.join(sorted(AUTO_CDC))}; "
                f"dbt's: {', '.join(sorted(DBT))})"
            )
        written: dict[str, str] = {}
        values = {}
        for key, value in raw.items():
            name = canonical(key)
            if name in written:
                first, second = sorted((written[name], key))
                raise ValueError(
                    f"cdc_source_config: {first} and {second} name the same option; give one"
                )
            written[name] = key
            typed = _typed(name, key, value)
            if typed is not _DEFAULT:
                values[name] = typed
        if values.get("history_columns") == "auto_cdc":
            values |= AUTO_CDC_HISTORY
        return cls(**values, written=tuple(written.items()))

    def key(self, name: str) -> str:
        """The key the row wrote for field `name` (its own name when not written)."""
        return dict(self.written).get(name, name)

    def column_names(self) -> list[str]:
        """Every column name the config mentions, for identifier validation."""
        names = [*self.sequence_columns, self.watermark_column, self.snapshot_version_column]
        names += [silver for _, silver in self.column_mapping]
        for listed in (
            self.track_history_columns,
            self.track_history_except_columns,
            self.include_columns,
            self.exclude_columns,
            self.ignore_null_updates_columns,
            self.ignore_null_updates_except_columns,
            self.cluster_by,
        ):
            names += list(listed or ())
        names += [name for name in self.scd2_columns if name not in _DEFAULT_HISTORY]
        return [name for name in names if name is not None]

    def null_ignoring(self, attributes: list[str]) -> list[str]:
        """The `attributes` whose NULL in an update keeps the target's value."""
        if self.ignore_null_updates_columns is not None:
            return [a for a in attributes if a in self.ignore_null_updates_columns]
        if self.ignore_null_updates_except_columns is not None:
            return [a for a in attributes if a not in self.ignore_null_updates_except_columns]
        return list(attributes) if self.ignore_null_updates else []

    @property
    def scd2_columns(self) -> tuple[str, ...]:
        """The SCD2 columns: effective from, effective to and, unless AUTO CDC's, is current."""
        names = (self.effective_from_column, self.effective_to_column, self.is_current_column)
        return tuple(name for name in names if name is not None)


_FIELDS = [f.name for f in fields(CdcSourceConfig) if f.name != "written"]
KNOWN = {name: name for name in _FIELDS} | {"sequence_column": "sequence_columns"}
AUTO_CDC = {
    "sequence_by": "sequence_columns",
    "apply_as_deletes": "delete_condition",
    "apply_as_truncates": "truncate_condition",
    "comment": "table_comment",
    "column_list": "include_columns",
    "except_column_list": "exclude_columns",
    "track_history_column_list": "track_history_columns",
    "track_history_except_column_list": "track_history_except_columns",
    "ignore_null_updates_column_list": "ignore_null_updates_columns",
    "ignore_null_updates_except_column_list": "ignore_null_updates_except_columns",
    "pipelines.cdc.tombstoneGCThresholdInSeconds": "tombstone_retention_seconds",
}
# dbt-databricks' names, for a replace_where incremental model's config copied over.
DBT = {"incremental_predicates": "replace_where"}
_DEFAULT = object()


def canonical(key: str) -> str:
    """The field a known key names (an AUTO CDC name, or sequence_column, mapped to its own)."""
    return KNOWN.get(key) or AUTO_CDC.get(key) or DBT[key]


HISTORY_PRESETS = ("default", "auto_cdc")
AUTO_CDC_HISTORY = {
    "effective_from_column": "__START_AT",
    "effective_to_column": "__END_AT",
    "is_current_column": None,
}
_DEFAULT_HISTORY = ("effective_from", "effective_to", "is_current")
_STRING_KEYS = {
    "delete_condition",
    "truncate_condition",
    "watermark_column",
    "snapshot_version_column",
    "quarantine_table",
    "table_comment",
    "initial_hydrate_source",
}
_NAME_KEYS = {"effective_from_column", "effective_to_column", "is_current_column"}
_LIST_KEYS = {
    "track_history_columns",
    "track_history_except_columns",
    "include_columns",
    "exclude_columns",
    "ignore_null_updates_columns",
    "ignore_null_updates_except_columns",
    "cluster_by",
}


def _typed(name: str, key: str, value: Any) -> Any:
    """`value` of field `name`, given under `key`, checked and typed."""
    if name in _OWN_TYPES:
        return _OWN_TYPES[name](key, value)
    if name in _STRING_KEYS:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"cdc_source_config.{key} must be a string")
        return value
    if name in _NAME_KEYS:
        if value is None:
            return _DEFAULT
        if not isinstance(value, str) or not value:
            raise ValueError(f"cdc_source_config.{key} must be a column name")
        return value
    if name in _LIST_KEYS:
        if value is None and name != "exclude_columns":
            return None
        if not _names(value):
            raise ValueError(f"cdc_source_config.{key} must be a list of column names")
        return tuple(value)
    if not isinstance(value, bool):
        raise ValueError(f"cdc_source_config.{key} must be true or false")
    return value


def _sequence(key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) and value:
        return (value,)
    if _names(value) and value:
        return tuple(value)
    raise ValueError(f"cdc_source_config.{key} must be a column name or a list of column names")


def _preset(key: str, value: Any) -> str:
    if value not in HISTORY_PRESETS:
        raise ValueError(f'cdc_source_config.{key} must be "default" or "auto_cdc"')
    return str(value)


def _mapping(key: str, value: Any) -> tuple[tuple[str, str], ...]:
    return _pairs(key, value, "source column names to silver names")


def _properties(key: str, value: Any) -> tuple[tuple[str, str], ...]:
    return _pairs(key, value, "property names to string values")


def _pairs(key: str, value: Any, what: str) -> tuple[tuple[str, str], ...]:
    pairs = value.items() if isinstance(value, dict) else [(None, None)]
    if not all(isinstance(item, str) and item for pair in pairs for item in pair):
        raise ValueError(f"cdc_source_config.{key} must be an object of {what}")
    return tuple(value.items())


def _seconds(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"cdc_source_config.{key} must be a whole number of seconds, 0 or more")
    return value


def _predicate(key: str, value: Any) -> str | None:
    """One SQL predicate, or dbt's list of them (all must hold: joined by AND)."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip():
        return value
    if _names(value) and value and all(item.strip() for item in value):
        return value[0] if len(value) == 1 else " AND ".join(f"({item})" for item in value)
    raise ValueError(f"cdc_source_config.{key} must be a SQL predicate or a list of them")


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


_OWN_TYPES = {
    "sequence_columns": _sequence,
    "column_mapping": _mapping,
    "table_properties": _properties,
    "history_columns": _preset,
    "tombstone_retention_seconds": _seconds,
    "replace_where": _predicate,
}
