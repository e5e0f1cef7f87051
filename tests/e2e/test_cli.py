"""The `medallion` command line, run as a user runs it: a new process each time."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_support import medallion

pytestmark = pytest.mark.spark


ROW = (
    "INSERT INTO dev_silver.metadata.execution_table "
    "(src_system, src_catalog, src_schema, src_table_name, load_type, dst_catalog, dst_schema, "
    "dst_table_name, layer, is_active_flag, execution_order, execution_pipeline, "
    "business_key_columns, cdc_source_config) VALUES "
)


def values(
    table: str, order: int, pipeline: str, source: str = "", layer: str = "bronze_to_silver"
) -> str:
    return (
        f"('crm', 'dev_bronze', 'crm', '{source or table}', 'full', 'dev_silver', 'crm', "
        f"'{table}', '{layer}', true, {order}, '{pipeline}', array('id'), NULL)"
    )


@pytest.fixture(scope="module")
def onboarded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """init, bronze tables and metadata rows inserted with `medallion sql`, as a user would."""
    home = tmp_path_factory.mktemp("home")
    assert medallion(home, "init").returncode == 0
    setup = medallion(
        home,
        "sql",
        "CREATE SCHEMA IF NOT EXISTS dev_bronze.crm;"
        "CREATE TABLE dev_bronze.crm.accounts (id INT, name STRING) USING DELTA;"
        "INSERT INTO dev_bronze.crm.accounts VALUES (1, 'acme'), (2, 'globex');"
        "CREATE TABLE dev_bronze.crm.contacts (id INT, account_id INT) USING DELTA;"
        "INSERT INTO dev_bronze.crm.contacts VALUES (10, 1), (11, 2);"
        "CREATE TABLE dev_bronze.crm.deals (id INT, amount INT) USING DELTA;"
        "INSERT INTO dev_bronze.crm.deals VALUES (100, 5);"
        + ROW
        + ", ".join(
            [
                values("accounts", 1, "scd1"),
                values("contacts", 1, "scd2"),
                values("deals", 2, "fact_overwrite"),
            ]
        ),
    )
    assert setup.returncode == 0, setup.stderr
    return home


def test_run_loads_the_layer(onboarded: Path) -> None:
    dry = medallion(onboarded, "run", "--layer", "bronze_to_silver", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "batch 1 (execution_order 1):" in dry.stdout
    assert "dev_silver.crm.deals -> silver/nb_silver_fact_loader" in dry.stdout

    run = medallion(onboarded, "run", "--layer", "bronze_to_silver", "--max-workers", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "total 3  succeeded 3  failed 0" in run.stdout
    shown = medallion(
        onboarded, "sql", "SELECT name FROM dev_silver.crm.accounts ORDER BY id", "--format", "csv"
    )
    assert shown.stdout.splitlines() == ["name", "acme", "globex"]


def test_metadata_load_refuses_broken_rows_and_writes_none(onboarded: Path, tmp_path: Path) -> None:
    rows = tmp_path / "broken.yml"
    rows.write_text(
        "rows:\n"
        "  - {src_catalog: dev_bronze, src_schema: crm, src_table_name: accounts,\n"
        "     dst_catalog: dev_silver, dst_schema: crm, dst_table_name: 'bad name',\n"
        "     layer: broken_layer, execution_order: 1, execution_pipeline: scd1}\n"
        "  - {src_catalog: dev_bronze, src_schema: crm, src_table_name: accounts,\n"
        "     dst_catalog: dev_silver, dst_schema: crm, dst_table_name: fine_name,\n"
        "     layer: broken_layer, execution_order: 1, execution_pipeline: scd3,\n"
        "     business_key_columns: [id]}\n"
    )
    loaded = medallion(onboarded, "metadata", "load", str(rows))
    assert loaded.returncode == 2
    assert (
        "dev_silver.crm.bad name: dst_table_name 'bad name' is not a safe identifier"
        in loaded.stderr
    )
    assert "business_key_columns is required" in loaded.stderr
    assert "scd3" in loaded.stderr
    assert "nothing was written" in loaded.stderr
    run = medallion(onboarded, "run", "--layer", "broken_layer")
    assert run.returncode == 2
    assert "layer broken_layer: no active row has this layer" in run.stderr


def test_a_broken_row_inserted_by_hand_stops_the_run_naming_it(onboarded: Path) -> None:
    inserted = medallion(
        onboarded,
        "sql",
        ROW + values("bad name", 1, "scd1").replace("bronze_to_silver", "broken_by_hand"),
    )
    assert inserted.returncode == 0, inserted.stderr
    run = medallion(onboarded, "run", "--layer", "broken_by_hand")
    assert run.returncode == 2
    assert (
        "dev_silver.crm.bad name: dst_table_name 'bad name' is not a safe identifier" in run.stderr
    )
    assert "nothing was run" in run.stderr


def test_select_runs_only_the_named_tables(onboarded: Path) -> None:
    one = medallion(
        onboarded, "run", "--layer", "bronze_to_silver", "--select", "dev_silver.crm.deals"
    )
    upstream = medallion(
        onboarded, "run", "--layer", "bronze_to_silver", "--select", "+dev_silver.crm.deals"
    )
    typo = medallion(
        onboarded, "run", "--layer", "bronze_to_silver", "--select", "dev_silver.crm.deal"
    )

    assert one.returncode == 0, one.stdout + one.stderr
    assert "total 1  succeeded 1" in one.stdout and "dev_silver.crm.deals" in one.stdout
    assert upstream.returncode == 0, upstream.stdout + upstream.stderr
    assert "total 3  succeeded 3" in upstream.stdout
    assert typo.returncode == 2
    assert "dev_silver.crm.deal: --select: no active row of layer bronze_to_silver" in typo.stderr


def test_failing_task_exits_1_and_skips_later_batches(onboarded: Path) -> None:
    fail = medallion(
        onboarded,
        "sql",
        ROW.replace("VALUES", "VALUES").replace("'bronze_to_silver'", "'x'")
        + values("ghosts", 1, "scd1", source="no_such_table").replace("bronze_to_silver", "failing")
        + ", "
        + values("accounts_copy", 1, "scd1", source="accounts").replace(
            "bronze_to_silver", "failing"
        )
        + ", "
        + values("deals_copy", 2, "fact_overwrite", source="deals").replace(
            "bronze_to_silver", "failing"
        ),
    )
    assert fail.returncode == 0, fail.stderr
    run = medallion(onboarded, "run", "--layer", "failing")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAILED dev_silver.crm.ghosts" in run.stdout
    assert "source table dev_bronze.crm.no_such_table does not exist" in run.stdout
    assert "SUCCESS       1" in run.stdout  # accounts_copy, same batch, still loaded
    assert "SKIPPED       2" in run.stdout
    assert "RESULT: FAILED" in run.stdout


@pytest.mark.parametrize("command", [["run"], ["run", "--dry-run"], ["validate"]])
def test_a_layer_no_row_has_is_refused_naming_the_layers(
    onboarded: Path, command: list[str]
) -> None:
    run = medallion(onboarded, *command, "--layer", "bronze_to_silvr")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "layer bronze_to_silvr: no active row has this layer (layers: " in run.stderr
    assert "bronze_to_silver" in run.stderr
    assert "nothing was run" in run.stderr
