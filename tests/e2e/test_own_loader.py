"""A user's own loader notebook, written for Databricks, added as one entry in
conf/pipelines.yml and one metadata row, runs unchanged under `medallion run`."""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.project_support import HEADER, csv_rows, medallion, project_with, rows_yaml
from integration.test_own_loader_notebook import OWN_LOADER

pytestmark = pytest.mark.spark


def test_an_own_loader_runs_from_its_pipelines_entry(tmp_path: Path) -> None:
    project = project_with(tmp_path, {"own": OWN_LOADER.removeprefix(HEADER)})
    home = tmp_path / "home"
    rows = tmp_path / "rows.yml"
    rows.write_text(
        rows_yaml(
            [
                {
                    "src_catalog": "dev_bronze",
                    "src_schema": "shop",
                    "src_table_name": "orders",
                    "dst_catalog": "dev_silver",
                    "dst_schema": "shop",
                    "dst_table_name": "orders",
                    "layer": "own_layer",
                    "execution_order": 1,
                    "execution_pipeline": "own",
                }
            ]
        )
    )
    bronze = medallion(
        project,
        home,
        "sql",
        "CREATE SCHEMA dev_bronze.shop; CREATE TABLE dev_bronze.shop.orders (id INT, amount INT);"
        "INSERT INTO dev_bronze.shop.orders VALUES (1, 5), (2, 0), (3, 7)",
    )
    loaded = medallion(project, home, "metadata", "load", str(rows))
    run = medallion(project, home, "run", "--layer", "own_layer")
    total = "SELECT sum(amount) AS total FROM dev_silver.shop.orders"
    read = medallion(project, home, "sql", total, "--format", "csv")

    assert bronze.returncode == 0 and loaded.returncode == 0, bronze.stderr + loaded.stderr
    assert run.returncode == 0, run.stdout + run.stderr
    assert "total 1  succeeded 1" in run.stdout
    assert csv_rows(read) == ["12"]
