"""What a gold SQL file writes and reads, read from its text (no Spark)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from medallion_orchestrator.metadata.sql_references import (
    CatalogSpace,
    SqlFileError,
    SqlReferences,
    file_references,
)

DEV = CatalogSpace.of({})
PROD = CatalogSpace.of({"dev_silver": "prod_silver", "dev_gold": "prod_gold"})


def refs(
    writes: tuple[str, ...] = (), reads: tuple[str, ...] = (), unqualified: tuple[str, ...] = ()
) -> SqlReferences:
    return SqlReferences(writes, reads, unqualified)


CASES = [
    (
        "create table as, joins",
        """CREATE OR REPLACE TABLE dev_gold.sales.t AS
        SELECT * FROM dev_silver.shop.orders o JOIN dev_silver.shop.customers c USING (id)
        LEFT JOIN dev_silver.shop.refunds r ON r.id = o.id""",
        refs(
            ("dev_gold.sales.t",),
            ("dev_silver.shop.orders", "dev_silver.shop.customers", "dev_silver.shop.refunds"),
        ),
    ),
    (
        "CTEs are not tables, even one named like a table",
        """CREATE TABLE dev_gold.sales.t AS
        WITH orders AS (SELECT * FROM dev_silver.shop.orders),
             totals AS (SELECT id, SUM(x) AS x FROM orders GROUP BY id)
        SELECT * FROM totals JOIN orders USING (id)""",
        refs(("dev_gold.sales.t",), ("dev_silver.shop.orders",)),
    ),
    (
        "subqueries in FROM, WHERE and SELECT",
        """CREATE TABLE dev_gold.sales.t AS
        SELECT (SELECT MAX(a) FROM dev_silver.s.a) AS m, b.*
        FROM (SELECT * FROM dev_silver.s.b) AS b
        WHERE b.id IN (SELECT id FROM dev_silver.s.c)""",
        refs(("dev_gold.sales.t",), ("dev_silver.s.a", "dev_silver.s.b", "dev_silver.s.c")),
    ),
    (
        "union",
        """CREATE TABLE dev_gold.sales.t AS
        SELECT id FROM dev_silver.s.a UNION ALL SELECT id FROM dev_silver.s.b
        UNION SELECT id FROM dev_silver.s.a""",
        refs(("dev_gold.sales.t",), ("dev_silver.s.a", "dev_silver.s.b")),
    ),
    (
        "create or replace view",
        "CREATE OR REPLACE VIEW dev_gold.sales.v AS SELECT * FROM dev_gold.sales.t",
        refs(("dev_gold.sales.v",), ("dev_gold.sales.t",)),
    ),
    (
        "create table with columns, then insert overwrite",
        """CREATE TABLE IF NOT EXISTS dev_gold.sales.t (id INT, x INT) USING DELTA;
        INSERT OVERWRITE dev_gold.sales.t SELECT id, x FROM dev_silver.s.a""",
        refs(("dev_gold.sales.t",), ("dev_silver.s.a",)),
    ),
    (
        "insert into with a column list",
        "INSERT INTO TABLE dev_gold.sales.t (id) SELECT id FROM dev_silver.s.a",
        refs(("dev_gold.sales.t",), ("dev_silver.s.a",)),
    ),
    (
        "merge into: its own target is not a read",
        """MERGE INTO dev_gold.sales.t AS t
        USING (SELECT * FROM dev_silver.s.a) AS s ON t.id = s.id
        WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *""",
        refs(("dev_gold.sales.t",), ("dev_silver.s.a",)),
    ),
    (
        "merge using a table directly",
        """MERGE INTO dev_gold.sales.t USING dev_silver.s.a AS s ON t.id = s.id
        WHEN MATCHED THEN DELETE""",
        refs(("dev_gold.sales.t",), ("dev_silver.s.a",)),
    ),
    (
        "comments, semicolons in strings and comments",
        """-- reads dev_silver.s.not_this; nor this
        /* CREATE TABLE dev_gold.sales.nope AS SELECT 1; */
        CREATE TABLE dev_gold.sales.t AS
        SELECT 'a;b' AS x FROM dev_silver.s.a -- dev_silver.s.no;
        ;""",
        refs(("dev_gold.sales.t",), ("dev_silver.s.a",)),
    ),
    (
        "backquoted names, any case",
        "CREATE TABLE `dev_gold`.`Sales`.`T` AS SELECT * FROM `DEV_SILVER`.shop.`Order Lines`",
        refs(("dev_gold.sales.t",), ("dev_silver.shop.order lines",)),
    ),
    (
        "a temporary view of the file is not a table",
        """CREATE OR REPLACE TEMPORARY VIEW staged AS SELECT * FROM dev_silver.s.a;
        CREATE OR REPLACE TEMP VIEW staged2 AS SELECT * FROM staged;
        CREATE OR REPLACE TABLE dev_gold.sales.t AS SELECT * FROM staged2""",
        refs(("dev_gold.sales.t",), ("dev_silver.s.a",)),
    ),
    (
        "USE, SET, CREATE SCHEMA, DROP and opaque commands name no table",
        """USE CATALOG dev_gold; SET spark.sql.ansi.enabled = true;
        CREATE SCHEMA IF NOT EXISTS dev_gold.sales;
        DROP TABLE IF EXISTS dev_gold.sales.t;
        CREATE TABLE dev_gold.sales.t AS SELECT 1 AS x;
        OPTIMIZE dev_gold.sales.t""",
        refs(("dev_gold.sales.t",)),
    ),
    (
        "reading its own target (an incremental build) is not a read",
        """INSERT INTO dev_gold.sales.t
        SELECT * FROM dev_silver.s.a WHERE id > (SELECT MAX(id) FROM dev_gold.sales.t)""",
        refs(("dev_gold.sales.t",), ("dev_silver.s.a",)),
    ),
    (
        "table functions and file paths are not tables",
        """CREATE TABLE dev_gold.sales.t AS
        SELECT * FROM read_files('/landing/x') UNION ALL SELECT * FROM delta.`/tmp/y`
        UNION ALL SELECT id FROM range(3)""",
        refs(("dev_gold.sales.t",)),
    ),
    (
        "names without a catalog are reported as written",
        "CREATE TABLE sales.t AS SELECT * FROM shop.orders JOIN lookup USING (id)",
        refs(unqualified=("sales.t", "shop.orders", "lookup")),
    ),
    (
        "a time-travel read",
        "CREATE TABLE dev_gold.sales.t AS SELECT * FROM dev_silver.s.a VERSION AS OF 3",
        refs(("dev_gold.sales.t",), ("dev_silver.s.a",)),
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_references(text: str, expected: SqlReferences, tmp_path: Path) -> None:
    path = tmp_path / "gold.sql"
    path.write_text(text, encoding="utf-8")

    assert file_references(path, DEV) == expected


def test_environment_catalogs_map_back_to_the_rows_names(tmp_path: Path) -> None:
    path = tmp_path / "gold.sql"
    path.write_text(
        "CREATE TABLE prod_gold.sales.t AS SELECT * FROM prod_silver.s.a "
        "JOIN dev_silver.s.b USING (id) JOIN other.s.c USING (id)",
        encoding="utf-8",
    )

    assert file_references(path, PROD) == refs(
        ("dev_gold.sales.t",), ("dev_silver.s.a", "dev_silver.s.b", "other.s.c")
    )
    assert file_references(path, DEV).writes == ("prod_gold.sales.t",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT 1;\n\nCREATE TABLE a.b.c AS SELECT FROM WHERE", "statement 2 (line 3): Expected"),
        ("-- title\nCREATE TABLE a.b.c AS\nSELECT (1 FROM x", "statement 1 (line 3): Expecting )"),
        ("CREATE TABLE a.b.c AS SELECT 'open FROM x", "cannot be tokenized"),
    ],
)
def test_a_file_that_cannot_be_parsed(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "gold.sql"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(SqlFileError, match=re.escape(message)):
        file_references(path, DEV)


def test_a_materialized_view_with_databricks_clauses_reads_its_query_s_tables(
    tmp_path: Path,
) -> None:
    path = tmp_path / "gold.sql"
    path.write_text(
        "-- refreshed every hour\nCREATE OR REPLACE MATERIALIZED VIEW dev_gold.s.daily\n"
        "  (day COMMENT 'the day', revenue)\n  SCHEDULE EVERY 1 HOUR\n  COMMENT 'revenue' AS\n"
        "SELECT day, sum(amount) AS revenue FROM dev_silver.s.orders GROUP BY day",
        encoding="utf-8",
    )

    assert file_references(path, DEV) == refs(("dev_gold.s.daily",), ("dev_silver.s.orders",))


def test_a_commented_write_that_sqlglot_cannot_read_is_refused_not_skipped(
    tmp_path: Path,
) -> None:
    path = tmp_path / "gold.sql"
    path.write_text("-- a streaming table\nCREATE STREAMING TABLE a.b.c\n  SCHEDULE EVERY 1 HOUR")

    with pytest.raises(SqlFileError, match=r"statement 1 .* only as an opaque command"):
        file_references(path, DEV)
