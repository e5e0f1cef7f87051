"""Two layers started at the same moment on a lakehouse where no run happened yet: both run.
Their first runs create the history tables together and race for the same run_lock table."""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.project_support import csv_rows, medallion, project_with, rows_yaml, start

pytestmark = pytest.mark.spark

QUICK = """import json

dbutils.notebook.exit(json.dumps({"status": "SUCCESS", "message": "done"}))
"""


def test_two_layers_started_together_both_run(tmp_path: Path) -> None:
    project = project_with(tmp_path, {"quick": QUICK})
    home = tmp_path / "home"
    rows = tmp_path / "rows.yml"
    rows.write_text(
        rows_yaml(
            [
                {
                    "src_catalog": "dev_bronze",
                    "src_schema": "k",
                    "src_table_name": layer,
                    "dst_catalog": "dev_silver",
                    "dst_schema": "k",
                    "dst_table_name": layer,
                    "layer": layer,
                    "execution_order": 1,
                    "execution_pipeline": "quick",
                }
                for layer in ("layer_a", "layer_b")
            ]
        )
    )
    loaded = medallion(project, home, "metadata", "load", str(rows))  # no history tables yet
    assert loaded.returncode == 0, loaded.stderr

    runs = [start(project, home, "run", "--layer", layer) for layer in ("layer_a", "layer_b")]
    outputs = [process.communicate(timeout=600) for process in runs]

    for process, (stdout, stderr) in zip(runs, outputs, strict=True):
        assert process.returncode == 0, stdout + stderr
    shown = medallion(
        project,
        home,
        "sql",
        "SELECT layer, status FROM dev_silver.metadata.run_log ORDER BY layer",
        "--format",
        "csv",
    )
    assert csv_rows(shown) == ["layer_a,SUCCESS", "layer_b,SUCCESS"]
