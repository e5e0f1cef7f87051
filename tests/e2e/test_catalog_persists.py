"""What one `medallion sql` creates, the next one sees: one statement per process, as users type.

The statements run in the home's server, as typed commands do; what they made is then read by a
command in a JVM of its own (no server), which sees only what was written to disk, so nothing
here can pass on a session's memory alone.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cli_support import medallion

pytestmark = pytest.mark.spark


def sql(
    home: Path, statement: str, *options: str, server: str = "auto"
) -> subprocess.CompletedProcess[str]:
    result = medallion(home, "sql", statement, *options, server=server)
    assert result.returncode == 0, result.stderr
    return result


def rows(home: Path, statement: str) -> list[dict[str, object]]:
    return json.loads(sql(home, statement, "--format", "json").stdout)


def results(home: Path, statements: str) -> list[list[dict[str, object]]]:
    """Each statement's rows, read in a JVM of its own after the commands that made them."""
    text = sql(home, statements, "--format", "json", server="off").stdout
    return printed(text)


def printed(text: str) -> list[list[dict[str, object]]]:
    return [json.loads(part) for part in text.replace("]\n[", "]\x00[").split("\x00")]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("catalog") / ".medallion"


def test_an_empty_schema_survives_its_command(home: Path) -> None:
    sql(home, "CREATE SCHEMA IF NOT EXISTS dev_bronze.crm COMMENT 'raw CRM extracts'")
    sql(home, "CREATE TABLE dev_bronze.crm.users (id INT, name STRING) USING DELTA")
    sql(home, "INSERT INTO dev_bronze.crm.users VALUES (1, 'ann'), (2, 'bob')")

    schemas, tables, schema = results(
        home,
        "SHOW SCHEMAS IN dev_bronze; SHOW TABLES IN dev_bronze.crm; DESCRIBE SCHEMA dev_bronze.crm",
    )
    assert schemas == [{"databaseName": "crm"}]
    assert tables == [{"database": "crm", "tableName": "users", "isTemporary": False}]
    described = {
        row["database_description_item"]: row["database_description_value"] for row in schema
    }
    assert described["Comment"] == "raw CRM extracts"
    assert described["Catalog Name"] == "dev_bronze"
    assert described["Namespace Name"] == "crm"


def test_views_comments_and_properties_are_kept(home: Path) -> None:
    sql(home, "CREATE SCHEMA IF NOT EXISTS dev_gold.crm")
    sql(
        home,
        "CREATE OR REPLACE VIEW dev_gold.crm.user_names COMMENT 'names only' "
        "AS SELECT name FROM dev_bronze.crm.users",
    )
    sql(home, "COMMENT ON TABLE dev_bronze.crm.users IS 'one row per user'")
    sql(home, "ALTER TABLE dev_bronze.crm.users SET TBLPROPERTIES ('owner_team' = 'crm')")

    names, views, properties, extended, created = results(
        home,
        "SELECT * FROM dev_gold.crm.user_names ORDER BY name; SHOW VIEWS IN dev_gold.crm; "
        "SHOW TBLPROPERTIES dev_bronze.crm.users; DESCRIBE EXTENDED dev_bronze.crm.users; "
        "SHOW CREATE TABLE dev_bronze.crm.users",
    )
    assert names == [{"name": "ann"}, {"name": "bob"}]
    assert views[0]["viewName"] == "user_names"
    assert {row["key"]: row["value"] for row in properties}["owner_team"] == "crm"
    detail = {row["col_name"]: row["data_type"] for row in extended}
    assert detail["Comment"] == "one row per user"
    assert detail["Name"] == "dev_bronze.crm.users"
    statement = str(created[0]["createtab_stmt"])
    assert "dev_bronze.crm.users" in statement
    assert "__" not in statement.split("LOCATION", maxsplit=1)[0]


def test_a_replaced_view_and_a_drop_persist(home: Path) -> None:
    sql(
        home,
        "CREATE OR REPLACE VIEW dev_gold.crm.user_names AS "
        "SELECT upper(name) AS name FROM dev_bronze.crm.users",
    )
    assert rows(home, "SELECT * FROM dev_gold.crm.user_names ORDER BY name")[0] == {"name": "ANN"}

    sql(home, "DROP VIEW dev_gold.crm.user_names")
    sql(home, "CREATE TABLE dev_bronze.crm.scratch (id INT)")
    sql(home, "DROP TABLE dev_bronze.crm.scratch")
    sql(home, "CREATE SCHEMA dev_bronze.empty_one")
    sql(home, "DROP SCHEMA dev_bronze.empty_one")

    views, tables, schemas = results(
        home,
        "SHOW VIEWS IN dev_gold.crm; SHOW TABLES IN dev_bronze.crm; SHOW SCHEMAS IN dev_bronze",
    )
    assert views == []
    assert [row["tableName"] for row in tables] == ["users"]
    assert schemas == [{"databaseName": "crm"}]


def test_history_and_catalogs(home: Path) -> None:
    history, catalogs = results(home, "DESCRIBE HISTORY dev_bronze.crm.users; SHOW CATALOGS")
    assert [row["operation"] for row in history][-2:] == ["WRITE", "CREATE TABLE"]
    assert {"dev_bronze", "dev_gold"} <= {row["catalog"] for row in catalogs}


def test_a_schema_must_exist_before_its_table(home: Path) -> None:
    result = medallion(home, "sql", "CREATE TABLE dev_bronze.nowhere.t (id INT)")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: [SCHEMA_NOT_FOUND] The schema `dev_bronze`.`nowhere` cannot be found. Verify the "
        "spelling and correctness of the schema and catalog.",
        "in: CREATE TABLE dev_bronze.nowhere.t (id INT)",
    ]


def test_catalogs_renames_and_altered_views_persist(home: Path) -> None:
    for statement in (
        "CREATE CATALOG sandbox",
        "CREATE SCHEMA sandbox.s",
        "CREATE TABLE sandbox.s.t AS SELECT 1 AS id",
        "ALTER TABLE sandbox.s.t RENAME TO sandbox.s.renamed",
        "CREATE VIEW sandbox.s.v AS SELECT id FROM sandbox.s.renamed",
        "ALTER VIEW sandbox.s.v AS SELECT id + 1 AS id FROM sandbox.s.renamed",
    ):
        sql(home, statement)

    catalogs, tables, view, detail = results(
        home,
        "SHOW CATALOGS; SHOW TABLES IN sandbox.s; SELECT id FROM sandbox.s.v;"
        "DESCRIBE DETAIL sandbox.s.renamed",
    )
    sql(home, "DROP CATALOG sandbox CASCADE")
    after_drop = rows(home, "SHOW CATALOGS")

    assert "sandbox" in {row["catalog"] for row in catalogs}
    assert sorted(row["tableName"] for row in tables) == ["renamed", "v"]
    assert view == [{"id": 2}]
    assert detail[0]["format"] == "delta" and str(detail[0]["location"]).endswith("/renamed")
    assert "sandbox" not in {row["catalog"] for row in after_drop}
    assert not (home / "warehouse" / "sandbox__s.db").exists()


def test_names_without_a_catalog_live_in_the_current_one(home: Path) -> None:
    """As on Databricks, `s.t` and `t` name tables of the current catalog (`spark_catalog`
    locally, its `default` schema for `t`), and they are kept like any other."""
    for statement in (
        "CREATE SCHEMA scratch",
        "CREATE TABLE scratch.notes (id INT) USING DELTA",
        "INSERT INTO scratch.notes VALUES (1)",
        "CREATE TABLE loose AS SELECT 2 AS id",
    ):
        sql(home, statement)

    schemas, tables, notes, loose, qualified = results(
        home,
        "SHOW SCHEMAS; SHOW TABLES IN scratch; SELECT id FROM scratch.notes; "
        "SELECT id FROM loose; SELECT id FROM spark_catalog.scratch.notes",
    )

    assert {"default", "scratch"} <= {row["databaseName"] for row in schemas}
    assert [row["tableName"] for row in tables] == ["notes"]
    assert notes == qualified == [{"id": 1}]
    assert loose == [{"id": 2}]


def test_use_makes_a_schema_current_in_the_users_names(home: Path) -> None:
    """Each `medallion sql` is a session: what USE makes current lasts until its command ends,
    also in the server that runs the next one."""
    sql(
        home,
        "CREATE SCHEMA IF NOT EXISTS dev_silver.s1; CREATE SCHEMA IF NOT EXISTS dev_silver.s2; "
        "CREATE TABLE dev_silver.s2.u AS SELECT 7 AS id",
    )
    statements = (
        "USE dev_silver.s1;\nSELECT current_catalog(), current_schema();\n"
        "SELECT id FROM s2.u;\nUSE s2;\nSELECT id, current_schema() FROM u;\n"
        "USE CATALOG spark_catalog;\n"
    )

    result = medallion(home, "sql", "--format", "json", stdin=statements)
    after = rows(home, "SELECT current_catalog(), current_schema()")

    assert printed(result.stdout) == [
        [],
        [{"current_catalog()": "dev_silver", "current_schema()": "s1"}],
        [{"id": 7}],
        [],
        [{"id": 7, "current_schema()": "s2"}],
    ]
    assert result.returncode != 0
    assert result.stderr.splitlines()[0] == (
        "error: [UNSUPPORTED_LOCALLY] Catalog 'spark_catalog' cannot be made current on the local "
        "lakehouse: name its tables spark_catalog.schema.table, or make one of its schemas "
        "current: USE SCHEMA spark_catalog.schema."
    )
    assert after == [{"current_catalog()": "spark_catalog", "current_schema()": "default"}]
