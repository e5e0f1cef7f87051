"""The demo's metadata rows and gold SQL fit together (no Spark: tests/integration/test_demo_data.py
checks the bronze data they read)."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from demo_support import SQL_DIR, demo_rows, gold_rows, pipelines, silver_rows
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.validation import validate_rows


def test_rows_load_and_are_valid() -> None:
    rows = demo_rows()
    assert len(silver_rows()) >= 20
    assert 3 <= len(gold_rows()) <= 6
    assert [row.destination for row in rows if not row.is_active_flag] == [
        "dev_silver.pos.loyalty_events"
    ]
    assert {row.execution_order for row in silver_rows()} == {1, 2, 3}
    assert {row.execution_order for row in gold_rows()} == {1, 2, None}  # None: by its SQL
    active = [row for row in rows if row.is_active_flag]
    assert validate_rows(active, pipelines(), SQL_DIR) == []


def test_silver_destinations_mirror_their_sources() -> None:
    for row in silver_rows():
        assert (row.src_catalog, row.dst_catalog) == ("dev_bronze", "dev_silver")
        assert (row.src_schema, row.src_table_name) == (row.dst_schema, row.dst_table_name)


@pytest.mark.parametrize("row", gold_rows(), ids=lambda row: row.destination)
def test_gold_sql_reads_only_known_tables(row: TaskRow) -> None:
    assert row.sql_file_path
    statements = sqlglot.parse((SQL_DIR / row.sql_file_path).read_text(), read="databricks")
    assert len(statements) == 1
    statement = statements[0]
    assert isinstance(statement, exp.Create)
    assert statement.args.get("replace") and statement.kind in ("TABLE", "VIEW")
    created = statement.find(exp.Table)
    assert created is not None
    assert ".".join((created.catalog, created.db, created.name)) == row.destination
    # another gold table too: the order comes from the SQL, and cycles are refused elsewhere
    readable = {r.destination for r in silver_rows()} | {
        r.destination for r in gold_rows() if r.destination != row.destination
    }
    expression = statement.expression
    read = {
        ".".join((table.catalog, table.db, table.name))
        for table in expression.find_all(exp.Table)
        if table.catalog
    }
    assert read, f"{row.sql_file_path} reads no three-level table"
    assert read <= readable, f"{row.sql_file_path} reads {sorted(read - readable)}"
