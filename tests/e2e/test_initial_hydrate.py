"""The README's "A table that starts from a snapshot": its commands, read from the README, one
process each: the first run starts the table from the copy, later runs never read it again, a
misspelt --full-refresh table exits 2 before anything runs, the dry run marks the table and the
full refresh reloads the copy."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from e2e.readme_support import run_commands

pytestmark = pytest.mark.spark


def shown(result: subprocess.CompletedProcess[str]) -> str:
    """What a run printed: its summary (stdout) and its progress lines (stderr)."""
    return result.stdout + result.stderr


def rows(output: str) -> list[list[str]]:
    """The rows of a `medallion sql` table, each a list of its cells as printed."""
    lines = [line for line in output.splitlines() if line.startswith("│")]
    return [[cell.strip() for cell in line.strip("│").split("│")] for line in lines]


def test_a_table_that_starts_from_a_snapshot(tmp_path: Path) -> None:
    home = tmp_path / ".medallion"
    results = [result for _, result in run_commands(home, "A table that starts from a snapshot")]
    *setup, first, loaded, _, again, misspelt, dry_run, refreshed, after = results
    for result in [*setup, first, again, dry_run, refreshed]:
        assert result.returncode == 0, result.stdout + result.stderr

    assert rows(loaded.stdout) == [["1", "Ann", "5"], ["2", "Bobby", "7"]], loaded.stdout
    assert "initial hydrate from dev_bronze.erp.accounts_snapshot applied" in shown(first)
    assert "hydrate" not in shown(again)

    assert misspelt.returncode == 2, misspelt.stdout + misspelt.stderr
    assert "dev_silver.erp.acounts: --full-refresh: no task of this run of bronze_to_silver" in (
        shown(misspelt)
    )
    assert "Run " not in misspelt.stdout  # nothing ran
    assert "dev_silver.erp.accounts -> silver/nb_silver_dim_loader [full refresh]" in (
        dry_run.stdout
    )
    assert "fully refreshed: rebuilt from dev_bronze.erp.accounts_cdc" in shown(refreshed)
    expected = [["1", "Ann", "5"], ["2", "Bobby", "7"], ["4", "Di", "5"]]
    assert rows(after.stdout) == expected, after.stdout
