"""The `cdc_source_config` JSON object of a metadata row."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class CdcSourceConfig:
    """Every key a row may set; an unknown key is an error, never ignored.

    Loader semantics for each key are in README.md, "Loader semantics and speed".
    """

    sequence_column: str | None = None
    delete_condition: str | None = None
    full_extract: bool = False
    track_history_columns: tuple[str, ...] | None = None
    track_history_except_columns: tuple[str, ...] | None = None
    watermark_column: str | None = None
    exclude_columns: tuple[str, ...] = ()
    # SCD2 output column names.
    effective_from_column: str = "effective_from"
    effective_to_column: str = "effective_to"
    is_current_column: str = "is_current"
    # Three-level name of the table that receives rows with a NULL key (instead of failing).
    quarantine_table: str | None = None
    # fact_overwrite: a changed bronze schema replaces the silver one (else: an error).
    allow_schema_change: bool = False

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
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(
                f"cdc_source_config has unknown key(s) {', '.join(unknown)}; "
                f"known keys: {', '.join(sorted(known))}"
            )
        values = {name: _typed(name, value) for name, value in raw.items()}
        return cls(**{name: value for name, value in values.items() if value is not _DEFAULT})

    def column_names(self) -> list[str]:
        """Every column name the config mentions, for identifier validation."""
        names = [self.sequence_column, self.watermark_column]
        names += list(self.track_history_columns or ())
        names += list(self.track_history_except_columns or ())
        names += list(self.exclude_columns)
        names += [name for name in self.history_columns if name not in _DEFAULT_HISTORY]
        return [name for name in names if name is not None]

    @property
    def history_columns(self) -> tuple[str, str, str]:
        """The SCD2 columns: effective from, effective to, is current."""
        return (self.effective_from_column, self.effective_to_column, self.is_current_column)


_DEFAULT = object()
_DEFAULT_HISTORY = ("effective_from", "effective_to", "is_current")
_STRING_KEYS = {"sequence_column", "delete_condition", "watermark_column", "quarantine_table"}
_NAME_KEYS = {"effective_from_column", "effective_to_column", "is_current_column"}
_LIST_KEYS = {"track_history_columns", "track_history_except_columns", "exclude_columns"}


def _typed(name: str, value: Any) -> Any:
    if name in _STRING_KEYS:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"cdc_source_config.{name} must be a string")
        return value
    if name in _NAME_KEYS:
        if value is None:
            return _DEFAULT
        if not isinstance(value, str) or not value:
            raise ValueError(f"cdc_source_config.{name} must be a column name")
        return value
    if name in _LIST_KEYS:
        if value is None and name != "exclude_columns":
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(f"cdc_source_config.{name} must be a list of column names")
        return tuple(value)
    if not isinstance(value, bool):
        raise ValueError(f"cdc_source_config.{name} must be true or false")
    return value
