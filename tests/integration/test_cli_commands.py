"""The `medallion` commands' contract (exit codes, what they print, what they refuse), run in
this process on the shared session: a new process would prove nothing more here. The README's
flows run as processes in tests/e2e."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli_support import Completed, in_process

pytestmark = pytest.mark.spark

SCHEMA = "cli_crm"  # no other test's
METADATA = f"dev_silver.{SCHEMA}_meta.execution_table"

ROW = (
    f"INSERT INTO {METADATA} "
    "(src_system, src_catalog, src_schema, src_table_name, load_type, dst_catalog, dst_schema, "
    "dst_table_name, layer, is_active_flag, execution_order, execution_pipeline, "
    "business_key_columns, cdc_source_config) VALUES "
)


def values(
    table: str, order: int, pipeline: str, source: str = "", layer: str = "bronze_to_silver"
) -> str:
    return (
        f"('crm', 'dev_bronze', '{SCHEMA}', '{source or table}', 'full', 'dev_silver', '{SCHEMA}', "
        f"'{table}', '{layer}', true, {order}, '{pipeline}', array('id'), NULL)"
    )


def medallion(home: Path, *args: str) -> Completed:
    return in_process(home, *args, "--metadata-table", METADATA)


@pytest.fixture(scope="module")
def onboarded(spark, lakehouse_home: Path) -> Path:  # type: ignore[no-untyped-def]
    """init, bronze tables and metadata rows inserted with `medallion sql`, as a user would."""
    home = lakehouse_home
    assert medallion(home, "init").returncode == 0
    setup = medallion(
        home,
        "sql",
        f"CREATE SCHEMA IF NOT EXISTS dev_bronze.{SCHEMA};"
        f"CREATE TABLE dev_bronze.{SCHEMA}.accounts (id INT, name STRING) USING DELTA;"
        f"INSERT INTO dev_bronze.{SCHEMA}.accounts VALUES (1, 'acme'), (2, 'globex');"
        f"CREATE TABLE dev_bronze.{SCHEMA}.contacts (id INT, account_id INT) USING DELTA;"
        f"INSERT INTO dev_bronze.{SCHEMA}.contacts VALUES (10, 1), (11, 2);"
        f"CREATE TABLE dev_bronze.{SCHEMA}.deals (id INT, amount INT) USING DELTA;"
        f"INSERT INTO dev_bronze.{SCHEMA}.deals VALUES (100, 5);"
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
    assert f"dev_silver.{SCHEMA}.deals -> silver/nb_silver_fact_loader" in dry.stdout

    run = medallion(onboarded, "run", "--layer", "bronze_to_silver", "--max-workers", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "total 3  succeeded 3  up to date 0  failed 0" in run.stdout
    shown = medallion(
        onboarded,
        "sql",
        f"SELECT name FROM dev_silver.{SCHEMA}.accounts ORDER BY id",
        "--format",
        "csv",
    )
    assert shown.stdout.splitlines() == ["name", "acme", "globex"]


def test_the_plan_is_drawn_with_plan_and_a_dry_run_only(onboarded: Path, tmp_path: Path) -> None:
    drawn = medallion(
        onboarded, "plan", "--layer", "bronze_to_silver", "--picture", str(tmp_path / "plan.html")
    )
    dry = medallion(
        onboarded, "run", "--layer", "bronze_to_silver", "--dry-run", "--picture",
        str(tmp_path / "dry.svg.html"),
    )  # fmt: skip
    refused = medallion(
        onboarded, "run", "--layer", "bronze_to_silver", "--picture", str(tmp_path / "x.html")
    )

    for result in (drawn, dry):
        assert result.returncode == 0, result.stdout + result.stderr
        assert re.search(
            r"plan picture written to \S+: 3 task\(s\), expected critical", result.stdout
        )
    assert "batch 2" in (tmp_path / "plan.html").read_text()
    assert (tmp_path / "dry.svg.html").is_file()
    assert refused.returncode == 2 and "--picture draws the plan" in refused.stderr
    assert not (tmp_path / "x.html").exists()


def test_metadata_load_refuses_broken_rows_and_writes_none(onboarded: Path, tmp_path: Path) -> None:
    rows = tmp_path / "broken.yml"
    rows.write_text(
        "rows:\n"
        "  - {src_catalog: dev_bronze, src_schema: cli_crm, src_table_name: accounts,\n"
        "     dst_catalog: dev_silver, dst_schema: cli_crm, dst_table_name: 'bad name',\n"
        "     layer: broken_layer, execution_order: 1, execution_pipeline: scd1}\n"
        "  - {src_catalog: dev_bronze, src_schema: cli_crm, src_table_name: accounts,\n"
        "     dst_catalog: dev_silver, dst_schema: cli_crm, dst_table_name: fine_name,\n"
        "     layer: broken_layer, execution_order: 1, execution_pipeline: scd3,\n"
        "     business_key_columns: [id]}\n"
    )
    loaded = medallion(onboarded, "metadata", "load", str(rows))
    assert loaded.returncode == 2
    assert (
        f"dev_silver.{SCHEMA}.bad name: dst_table_name 'bad name' is not a safe identifier"
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
        f"dev_silver.{SCHEMA}.bad name: dst_table_name 'bad name' is not a safe identifier"
        in run.stderr
    )
    assert "nothing was run" in run.stderr


def test_select_runs_only_the_named_tables(onboarded: Path) -> None:
    one = medallion(
        onboarded, "run", "--layer", "bronze_to_silver", "--select", f"dev_silver.{SCHEMA}.deals"
    )
    upstream = medallion(
        onboarded, "run", "--layer", "bronze_to_silver", "--select", f"+dev_silver.{SCHEMA}.deals"
    )
    typo = medallion(
        onboarded, "run", "--layer", "bronze_to_silver", "--select", f"dev_silver.{SCHEMA}.deal"
    )

    assert one.returncode == 0, one.stdout + one.stderr
    assert "total 1  succeeded 1" in one.stdout and f"dev_silver.{SCHEMA}.deals" in one.stdout
    assert upstream.returncode == 0, upstream.stdout + upstream.stderr
    assert "total 3  succeeded 3" in upstream.stdout
    assert typo.returncode == 2
    recorded = medallion(onboarded, "runs", "--last", "2")
    assert "1: 1 ok" in recorded.stdout and "3: 3 ok" in recorded.stdout  # recorded as any run
    lock = f"SELECT count(*) AS held FROM dev_silver.{SCHEMA}_meta.run_lock"
    held = medallion(onboarded, "sql", lock, "--format", "csv")
    assert held.stdout.splitlines() == ["held", "0"], held.stdout + held.stderr  # released
    assert (
        f"dev_silver.{SCHEMA}.deal: --select: no active row of layer bronze_to_silver"
        in typo.stderr
    )


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
    assert f"FAILED dev_silver.{SCHEMA}.ghosts" in run.stdout
    assert f"source table dev_bronze.{SCHEMA}.no_such_table does not exist" in run.stdout
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


def test_an_unknown_run_is_an_error_line(onboarded: Path) -> None:
    shown = medallion(onboarded, "runs", "20990101-000000-nosuch")

    assert shown.returncode == 2
    assert shown.stdout == ""
    assert shown.stderr == (
        f"error: no run 20990101-000000-nosuch in dev_silver.{SCHEMA}_meta.run_log: "
        "`medallion runs` lists the runs\n"
    )
