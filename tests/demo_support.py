"""The demo's metadata rows, pipelines and gold SQL folder, as the tests read them."""

from __future__ import annotations

from pathlib import Path

import yaml

from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.project import Pipeline

ROOT = Path(__file__).resolve().parents[1]
ROWS_FILE = ROOT / "metadata" / "demo" / "execution_table.yml"
SQL_DIR = ROOT / "metadata" / "sql"
BRONZE_DIR = ROOT / "metadata" / "demo_bronze"
FIVETRAN_COLUMNS = {"_fivetran_synced", "_fivetran_deleted"}


def demo_rows() -> list[TaskRow]:
    raw = yaml.safe_load(ROWS_FILE.read_text())
    return [TaskRow.from_mapping(values) for values in raw["rows"]]


def silver_rows(active: bool = True) -> list[TaskRow]:
    return [
        row
        for row in demo_rows()
        if row.layer == "bronze_to_silver" and bool(row.is_active_flag) is active
    ]


def gold_rows() -> list[TaskRow]:
    return [row for row in demo_rows() if row.layer == "silver_to_gold"]


def pipelines() -> dict[str, Pipeline]:
    entries = yaml.safe_load((ROOT / "conf" / "pipelines.yml").read_text())["pipelines"]
    return {
        name: Pipeline(name, entry["notebook"], tuple(entry.get("requires") or ()))
        for name, entry in entries.items()
    }


def columns_named_by(row: TaskRow) -> set[str]:
    config = row.cdc
    names = {*(row.business_key_columns or ()), *(row.primary_key_columns or ())}
    names |= {*config.column_names(), *FIVETRAN_COLUMNS}
    return names
