"""Typed rows of the `execution_table`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from medallion_orchestrator.metadata.cdc_config import CdcSourceConfig

CONTRACT_COLUMNS: tuple[str, ...] = (
    "src_system",
    "src_catalog",
    "src_table_name",
    "src_schema",
    "load_type",
    "dst_catalog",
    "dst_table_name",
    "dst_schema",
    "layer",
    "is_active_flag",
    "execution_order",
    "execution_pipeline",
    "business_key_columns",
    "primary_key_columns",
    "sql_file_path",
    "cdc_source_config",
    "comment",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("timeout_seconds", "depends_on", "max_retries")
LIST_COLUMNS: tuple[str, ...] = ("business_key_columns", "primary_key_columns", "depends_on")


@dataclass(frozen=True)
class TaskRow:
    """One row of the execution table: one table to load."""

    src_system: str | None
    src_catalog: str | None
    src_table_name: str | None
    src_schema: str | None
    load_type: str | None
    dst_catalog: str | None
    dst_table_name: str | None
    dst_schema: str | None
    layer: str | None
    is_active_flag: bool | None
    execution_order: int | None
    execution_pipeline: str | None
    business_key_columns: tuple[str, ...] | None = None
    primary_key_columns: tuple[str, ...] | None = None
    sql_file_path: str | None = None
    cdc_source_config: str | None = None
    comment: str | None = None
    timeout_seconds: int | None = None
    depends_on: tuple[str, ...] | None = None
    max_retries: int | None = None

    @property
    def destination(self) -> str:
        """The three-level name this row writes, used to name the row everywhere."""
        return ".".join(
            part or "?" for part in (self.dst_catalog, self.dst_schema, self.dst_table_name)
        )

    @property
    def source(self) -> str:
        return ".".join(
            part or "?" for part in (self.src_catalog, self.src_schema, self.src_table_name)
        )

    @property
    def cdc(self) -> CdcSourceConfig:
        return CdcSourceConfig.parse(self.cdc_source_config)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> TaskRow:
        """Build from a Spark Row dict, a YAML mapping or JSON; unknown keys are an error."""
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown column(s) {', '.join(unknown)}")
        row = {name: values.get(name) for name in known}
        for name in LIST_COLUMNS:
            if isinstance(row[name], str):
                raise ValueError(f"{name} must be a list of names, got {row[name]!r}")
            if row[name] is not None:
                row[name] = tuple(row[name])
        if isinstance(row["cdc_source_config"], Mapping):
            row["cdc_source_config"] = json.dumps(row["cdc_source_config"], sort_keys=True)
        return cls(**row)

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        for name in LIST_COLUMNS:
            if values[name] is not None:
                values[name] = list(values[name])
        return values

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TaskRow:
        return cls.from_mapping(json.loads(text))
