"""`medallion metadata load` checks each layer as a run would, as it will be after the MERGE,
and writes nothing when it refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from medallion_orchestrator.metadata.files import read_rows
from medallion_orchestrator.metadata.model import TaskRow

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[2]


def rows_file(path: Path, rows: list[TaskRow]) -> Path:
    entries = [{k: v for k, v in row.to_dict().items() if v is not None} for row in rows]
    path.write_text(yaml.safe_dump({"rows": entries}))
    return path


def test_switching_off_a_table_another_gold_file_reads_is_refused(cli, unique, tmp_path):  # type: ignore[no-untyped-def]
    table = f"dev_silver.{unique}.execution_table"
    gold = [row for row in read_rows(ROOT / "metadata" / "demo") if row.layer == "silver_to_gold"]
    revenue = next(row for row in gold if row.dst_table_name == "daily_revenue")
    switched_off = TaskRow.from_mapping({**revenue.to_dict(), "is_active_flag": False})
    on, off = (
        rows_file(tmp_path / "gold.yml", gold),
        rows_file(tmp_path / "off.yml", [switched_off]),
    )

    loaded = cli("metadata", "load", str(on), "--metadata-table", table)
    refused = cli("metadata", "load", str(off), "--metadata-table", table)
    still = cli(
        "sql",
        f"SELECT is_active_flag FROM {table} WHERE dst_table_name = 'daily_revenue'",
        "--format",
        "csv",
    )

    assert loaded.returncode == 0, loaded.stderr
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert (
        "dev_gold.sales.daily_channel_summary: gold/daily_channel_summary.sql reads "
        "dev_gold.sales.daily_revenue" in refused.stderr
    )
    assert "nothing was written" in refused.stderr
    assert still.stdout.splitlines() == ["is_active_flag", "true"]


def test_gold_sql_may_name_the_environments_catalogs(cli, unique, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    project = tmp_path / "project"
    for folder in ("conf", "notebooks", "metadata"):
        shutil.copytree(ROOT / folder, project / folder)
    (project / "metadata" / "sql" / "gold" / "named.sql").write_text(
        f"CREATE OR REPLACE TABLE prod_gold.{unique}.named AS SELECT 1 AS n"
    )
    monkeypatch.setenv("MEDALLION_PROJECT_DIR", str(project))
    row = TaskRow.from_mapping(
        {
            "dst_catalog": "dev_gold",
            "dst_schema": unique,
            "dst_table_name": "named",
            "layer": f"{unique}_gold",
            "is_active_flag": True,
            "execution_pipeline": "gold_sql",
            "sql_file_path": "gold/named.sql",
        }
    )
    table = ("--metadata-table", f"dev_silver.{unique}.execution_table", "--env", "prod")

    loaded = cli("metadata", "load", str(rows_file(tmp_path / "named.yml", [row])), *table)
    validated = cli("validate", "--layer", f"{unique}_gold", *table)

    assert loaded.returncode == 0, loaded.stderr
    assert validated.returncode == 0, validated.stderr
