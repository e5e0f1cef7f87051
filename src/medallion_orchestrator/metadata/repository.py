"""Reads and writes the execution table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from medallion_orchestrator.errors import ConfigError, InvalidMetadata, Problem
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.validation import is_safe_identifier

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse

DESTINATION = ("dst_catalog", "dst_schema", "dst_table_name")


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int
    updated: int
    unchanged: int


class MetadataRepository:
    def __init__(self, lakehouse: Lakehouse, table_name: str, ddl_file: Path) -> None:
        parts = table_name.split(".")
        if len(parts) != 3 or not all(is_safe_identifier(part) for part in parts):
            raise ConfigError(f"metadata table {table_name!r} must be catalog.schema.table")
        self.lakehouse = lakehouse
        self.table_name = table_name
        self.parts = parts
        self.ddl_file = ddl_file

    @property
    def physical_name(self) -> str:
        return self.lakehouse.table(*self.parts)

    def exists(self) -> bool:
        return bool(self.lakehouse.spark.catalog.tableExists(self.physical_name))

    def init(self) -> None:
        """Create the schema and table if missing, add the columns an older table lacks."""
        self.lakehouse.ensure_schema(self.parts[0], self.parts[1])
        self.lakehouse.sql(self._ddl())
        present = {name.lower() for name in self.lakehouse.spark.table(self.physical_name).columns}
        missing = [
            column.sql(dialect="databricks")
            for column in self._parsed_ddl().find_all(exp.ColumnDef)
            if column.name.lower() not in present
        ]
        if missing:
            self.lakehouse.spark.sql(
                f"ALTER TABLE {self.physical_name} ADD COLUMNS ({', '.join(missing)})"
            )

    def _parsed_ddl(self) -> exp.Expression:
        return sqlglot.parse_one(self.ddl_file.read_text(), read="databricks")

    def _ddl(self) -> str:
        create = self._parsed_ddl()
        table = create.find(exp.Table)
        if table is None:
            raise ConfigError(f"{self.ddl_file} names no table")
        catalog, schema, name = self.parts
        table.set("catalog", exp.to_identifier(catalog))
        table.set("db", exp.to_identifier(schema))
        table.set("this", exp.to_identifier(name))
        return create.sql(dialect="databricks")

    def _require(self) -> None:
        if not self.exists():
            raise ConfigError(
                f"metadata table {self.table_name} does not exist: run `medallion init`"
            )

    def active_layers(self) -> list[str]:
        self._require()
        rows = self.lakehouse.spark.sql(
            f"SELECT DISTINCT layer FROM {self.physical_name} WHERE is_active_flag ORDER BY layer"
        )
        return [str(row[0]) for row in rows.collect() if row[0] is not None]

    def active_rows(self, layer: str | None = None) -> list[TaskRow]:
        """The active rows of `layer`, or of every layer."""
        self._require()
        known = {field.name for field in fields(TaskRow)}
        frame = self.lakehouse.spark.table(self.physical_name)
        columns = [column for column in frame.columns if column in known]
        rows = self.lakehouse.spark.sql(
            f"SELECT {', '.join(f'`{c}`' for c in columns)} FROM {self.physical_name} "
            "WHERE is_active_flag AND (layer = :layer OR :layer IS NULL)",
            args={"layer": layer},
        )
        return [TaskRow.from_mapping(row.asDict()) for row in rows.collect()]

    def upsert(self, rows: Sequence[TaskRow]) -> UpsertCounts:
        """MERGE by destination: loading the same rows twice changes nothing."""
        from delta.tables import DeltaTable

        self._require()
        duplicates = [
            name for name, count in Counter(r.destination for r in rows).items() if count > 1
        ]
        if duplicates:
            raise InvalidMetadata(
                [Problem(name, "appears more than once in the input") for name in duplicates]
            )
        spark = self.lakehouse.spark
        schema = spark.table(self.physical_name).schema
        columns = [field.name for field in schema.fields]
        lacking = sorted(
            {name for row in rows for name, value in row.to_dict().items() if value is not None}
            - set(columns)
        )
        if lacking:
            raise ConfigError(
                f"metadata table {self.table_name} has no column(s) {', '.join(lacking)}: "
                "run `medallion init` to add them"
            )
        incoming = spark.createDataFrame(
            [tuple(row.to_dict().get(field.name) for field in schema.fields) for row in rows],
            schema,
        )
        changed = " OR ".join(f"NOT (t.`{c}` <=> s.`{c}`)" for c in columns if c not in DESTINATION)
        (
            DeltaTable.forName(spark, self.physical_name)
            .alias("t")
            .merge(incoming.alias("s"), " AND ".join(f"t.`{c}` = s.`{c}`" for c in DESTINATION))
            .whenMatchedUpdateAll(condition=changed)
            .whenNotMatchedInsertAll()
            .execute()
        )
        metrics = spark.sql(f"DESCRIBE HISTORY {self.physical_name} LIMIT 1").first()[
            "operationMetrics"
        ]
        inserted = int(metrics.get("numTargetRowsInserted", 0))
        updated = int(metrics.get("numTargetRowsUpdated", 0))
        return UpsertCounts(inserted, updated, len(rows) - inserted - updated)
