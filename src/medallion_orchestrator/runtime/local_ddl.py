"""What open-source Spark does not say about local objects, read from Spark and Delta.

Open-source Delta has no `SHOW CREATE TABLE`; Databricks has. Schema comments and properties come
from `DESCRIBE SCHEMA EXTENDED`, to be kept in the catalog store.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from medallion_orchestrator.runtime.local_catalog import SchemaEntry
from medallion_orchestrator.runtime.local_names import plain_sql

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructField

_PROPERTY = re.compile(r"\(([^,()]+),((?:[^()]|\([^()]*\))*)\)")


def schema_entry(spark: SparkSession, database: str) -> SchemaEntry:
    rows = {
        str(row[0]): row[1]
        for row in plain_sql(spark, f"DESCRIBE SCHEMA EXTENDED `{database}`").collect()
    }
    comment = rows.get("Comment") or None
    properties = rows.get("Properties") or ""
    inner = properties[1:-1] if properties.startswith("((") else ""
    return SchemaEntry(comment, dict(_PROPERTY.findall(inner)))


def delta_create_statement(spark: SparkSession, physical: str, user_name: str) -> str:
    """The statement that creates this Delta table again, as Databricks prints it."""
    row = plain_sql(spark, f"DESCRIBE DETAIL {physical}").first()
    detail = row.asDict() if row is not None else None
    fields = spark.table(physical).schema.fields
    lines = [f"CREATE TABLE {user_name} ("]
    lines += [f"  {_column(field)}," for field in fields[:-1]]
    lines += [f"  {_column(fields[-1])})"] if fields else [")"]
    lines.append("USING delta")
    if detail is not None:
        if detail["partitionColumns"]:
            lines.append(f"PARTITIONED BY ({', '.join(detail['partitionColumns'])})")
        if detail.get("clusteringColumns"):
            lines.append(f"CLUSTER BY ({', '.join(detail['clusteringColumns'])})")
        if detail["description"]:
            lines.append(f"COMMENT {_literal(detail['description'])}")
        properties = dict(detail["properties"] or {})
        properties["delta.minReaderVersion"] = str(detail["minReaderVersion"])
        properties["delta.minWriterVersion"] = str(detail["minWriterVersion"])
        pairs = [f"  {_literal(k)} = {_literal(v)}" for k, v in sorted(properties.items())]
        lines.append("TBLPROPERTIES (\n" + ",\n".join(pairs) + ")")
    return "\n".join(lines) + "\n"


def _column(field: StructField) -> str:
    data_type = field.dataType.simpleString()
    text = f"{field.name} {data_type if 'struct<' in data_type else data_type.upper()}"
    if not field.nullable:
        text += " NOT NULL"
    if comment := field.metadata.get("comment"):
        text += f" COMMENT {_literal(comment)}"
    return text


def _literal(text: str) -> str:
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"
