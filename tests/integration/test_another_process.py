"""A long-lived session (the shell, a run) sees what another process on its home changed
since its last statement: new tables, replaced views, drops."""

from __future__ import annotations

import pytest

from cli_support import medallion

pytestmark = pytest.mark.spark


def names(lakehouse, schema: str) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(row["tableName"] for row in lakehouse.sql(f"SHOW TABLES IN {schema}").collect())


def test_what_another_process_changes_is_seen_at_the_next_statement(
    lakehouse, lakehouse_home, unique: str
) -> None:
    schema = f"dev_gold.{unique}"
    for statement in (
        f"CREATE SCHEMA {schema}",
        f"CREATE TABLE {schema}.t AS SELECT 1 AS id",
        f"CREATE TABLE {schema}.gone AS SELECT 2 AS id",
        f"CREATE VIEW {schema}.v AS SELECT id FROM {schema}.t",
    ):
        lakehouse.sql(statement)
    assert lakehouse.sql(f"SELECT id FROM {schema}.v").collect()[0][0] == 1

    other = medallion(
        lakehouse_home,
        "sql",
        f"CREATE TABLE {schema}.added AS SELECT 3 AS id;"
        f"CREATE OR REPLACE VIEW {schema}.v AS SELECT id + 10 AS id FROM {schema}.t;"
        f"DROP TABLE {schema}.gone",
        server="off",
    )
    assert other.returncode == 0, other.stderr

    assert names(lakehouse, schema) == ["added", "t", "v"]
    assert lakehouse.sql(f"SELECT id FROM {schema}.v").collect()[0][0] == 11
    assert lakehouse.sql(f"SELECT id FROM {schema}.added").collect()[0][0] == 3
    with pytest.raises(Exception, match="TABLE_OR_VIEW_NOT_FOUND"):
        lakehouse.sql(f"SELECT id FROM {schema}.gone").collect()
