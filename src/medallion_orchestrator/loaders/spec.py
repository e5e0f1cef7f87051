"""One load's specification, read once from its execution_table row: the names, the keys and the
parsed `cdc_source_config` that every loader module takes instead of the row."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.metadata.cdc_config import CdcSourceConfig
from medallion_orchestrator.metadata.model import TaskRow

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse


@dataclass(frozen=True)
class LoadSpec:
    """`destination` names the table in every message; `dst` is where the load writes it (a full
    refresh builds it in a scratch table first)."""

    destination: str
    source: str
    dst: tuple[str, str, str]
    keys: tuple[str, ...]  # business_key_columns
    primary_keys: tuple[str, ...]
    cdc: CdcSourceConfig

    @classmethod
    def of(cls, row: TaskRow) -> LoadSpec:
        if not (row.dst_catalog and row.dst_schema and row.dst_table_name):
            raise LoadError(f"{row.destination}: the row names no complete destination table")
        return cls(
            destination=row.destination,
            source=row.source,
            dst=(row.dst_catalog, row.dst_schema, row.dst_table_name),
            keys=tuple(row.business_key_columns or ()),
            primary_keys=tuple(row.primary_key_columns or ()),
            cdc=row.cdc,
        )

    def target(self, lakehouse: Lakehouse) -> str:
        """The target's name as the session reads it."""
        return lakehouse.table(*self.dst)

    def writing(self, suffix: str) -> LoadSpec:
        """The same load writing `<table><suffix>` beside the target, its messages unchanged."""
        catalog, schema, name = self.dst
        return replace(self, dst=(catalog, schema, f"{name}{suffix}"))
