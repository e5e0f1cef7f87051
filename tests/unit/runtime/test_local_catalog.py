"""The local catalog store, the statements it learns from, and names shown back to users.

No Spark: the store is files, statements are read from their text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medallion_orchestrator.runtime.local_catalog import CatalogStore, SchemaEntry
from medallion_orchestrator.runtime.local_statements import classify
from medallion_orchestrator.runtime.user_names import user_names, user_rows


@pytest.fixture
def store(tmp_path: Path) -> CatalogStore:
    return CatalogStore(tmp_path, tmp_path / "warehouse")


def test_an_empty_schema_is_kept_with_its_comment(store: CatalogStore, tmp_path: Path) -> None:
    store.save_schema("dev_bronze__crm", SchemaEntry("raw CRM", {"team": "crm"}))

    again = CatalogStore(tmp_path, tmp_path / "warehouse")
    assert again.databases() == {"dev_bronze__crm"}
    assert again.schema("dev_bronze__crm") == SchemaEntry("raw CRM", {"team": "crm"})
    assert again.catalogs() == {"dev_bronze"}


def test_table_folders_are_tables_and_their_databases_schemas(store: CatalogStore) -> None:
    (store.table_folder("dev_silver__shop", "orders") / "_delta_log").mkdir(parents=True)
    store.table_folder("dev_silver__shop", "not_delta").mkdir()
    (store.warehouse / "default_like.db").mkdir()

    assert store.databases() == {"dev_silver__shop"}
    assert store.delta_tables("dev_silver__shop") == ["orders"]
    assert store.has_delta_table("dev_silver__shop", "Orders")


def test_views_and_catalogs_come_and_go(store: CatalogStore) -> None:
    store.save_catalog("Sandbox")
    store.save_statement("views", "sandbox__x", "V", "CREATE VIEW `sandbox__x`.`v` AS SELECT 1")

    assert store.catalogs() == {"sandbox"}
    assert store.objects("views", "sandbox__x") == ["v"]
    assert store.statement("views", "sandbox__x", "v") == "CREATE VIEW `sandbox__x`.`v` AS SELECT 1"

    store.drop_object("sandbox__x", "v")
    assert store.objects("views", "sandbox__x") == []
    store.drop_catalog("sandbox")
    assert store.catalogs() == set()


def test_dropping_a_schema_drops_its_views_and_data(store: CatalogStore) -> None:
    store.save_schema("dev_gold__mart", SchemaEntry())
    store.save_statement("views", "dev_gold__mart", "daily", "CREATE VIEW ...")
    (store.table_folder("dev_gold__mart", "facts") / "_delta_log").mkdir(parents=True)

    store.drop_database("dev_gold__mart")

    assert store.databases() == set()
    assert store.objects("views", "dev_gold__mart") == []
    assert not store.database_folder("dev_gold__mart").exists()


def test_writes_leave_no_partial_files(store: CatalogStore) -> None:
    store.save_schema("dev_bronze__crm", SchemaEntry("one"))
    store.save_schema("dev_bronze__crm", SchemaEntry("two"))

    assert [path.name for path in (store.root / "schemas").iterdir()] == ["dev_bronze__crm.json"]


@pytest.mark.parametrize(
    ("statement", "kind", "schema"),
    [
        (
            "CREATE SCHEMA IF NOT EXISTS dev_bronze.crm COMMENT 'x'",
            "create_schema",
            ("dev_bronze", "crm"),
        ),
        ("DROP SCHEMA dev_bronze.crm CASCADE", "drop_schema", ("dev_bronze", "crm")),
        ("DESC SCHEMA EXTENDED dev_bronze.crm", "describe_schema", ("dev_bronze", "crm")),
        ("COMMENT ON SCHEMA dev_bronze.crm IS 'x'", "comment_schema", ("dev_bronze", "crm")),
        (
            "ALTER SCHEMA dev_bronze.crm SET DBPROPERTIES ('a' = 'b')",
            "alter_schema",
            ("dev_bronze", "crm"),
        ),
        ("SHOW SCHEMAS IN dev_bronze", "show_schemas", ("dev_bronze", "")),
        ("SHOW VIEWS IN dev_gold.mart LIKE 'd*'", "show_objects", ("dev_gold", "mart")),
        ("create catalog if not exists sandbox", "create_catalog", ("sandbox", "")),
        ("SHOW CATALOGS", "show_catalogs", None),
    ],
)
def test_statements_that_sqlglot_keeps_as_commands(
    statement: str, kind: str, schema: tuple[str, str] | None
) -> None:
    parsed = classify(statement)

    assert (parsed.kind, parsed.schema) == (kind, schema)


def test_what_a_statement_creates_and_drops() -> None:
    view = classify("CREATE OR REPLACE VIEW g.m.v AS SELECT * FROM s.x.t")
    rename = classify("ALTER TABLE s.x.t RENAME TO s.x.u")
    temporary = classify("CREATE TEMP VIEW v AS SELECT 1")

    assert (view.kind, view.created, view.objects) == (
        "create_view",
        (("g", "m", "v"),),
        (("g", "m", "v"), ("s", "x", "t")),
    )
    assert (rename.kind, rename.dropped, rename.created) == (
        "rename",
        (("s", "x", "t"),),
        (("s", "x", "u"),),
    )
    assert classify("DROP TABLE IF EXISTS s.x.t").dropped == (("s", "x", "t"),)
    assert (
        classify("CREATE TABLE s.x.t (id INT) LOCATION '/data/t'").kind == "create_external_table"
    )
    assert temporary.kind == "other"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "The schema `spark_catalog`.`dev_bronze__crm` cannot be found.",
            "The schema `dev_bronze`.`crm` cannot be found.",
        ),
        (
            "Relation spark_catalog.dev_silver__shop.orders[id#1]",
            "Relation dev_silver.shop.orders[id#1]",
        ),
        ("`dev_silver__shop`.`orders`", "`dev_silver`.`shop`.`orders`"),
        (
            "file:/home/.medallion/warehouse/dev_silver__shop.db/orders",
            "file:/home/.medallion/warehouse/dev_silver__shop.db/orders",
        ),
        ("column my__col of dev_silver__shop.orders", "column my__col of dev_silver.shop.orders"),
    ],
)
def test_local_names_are_shown_as_the_users(text: str, shown: str) -> None:
    assert user_names(text, {"dev_bronze", "dev_silver"}) == shown


def test_show_and_describe_rows_name_the_schema_alone() -> None:
    tables = user_rows(
        ["database", "tableName", "isTemporary"],
        [{"database": "dev_bronze__crm", "tableName": "users", "isTemporary": False}],
    )
    described = user_rows(
        ["database_description_item", "database_description_value"],
        [
            {
                "database_description_item": "Catalog Name",
                "database_description_value": "spark_catalog",
            },
            {
                "database_description_item": "Namespace Name",
                "database_description_value": "dev_bronze__crm",
            },
        ],
    )

    assert tables == [{"database": "crm", "tableName": "users", "isTemporary": False}]
    assert [row["database_description_value"] for row in described] == ["dev_bronze", "crm"]
