"""The README's "Your own table, by hand", then docs/operations.md's "When things fail" on what it
leaves: their commands, read from those files, one process each.

Nothing here restates the commands: they are parsed from the documents' blocks, so what a person
copies is what CI runs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli_support import medallion
from e2e.readme_support import quiet, readme_commands, run_commands

pytestmark = pytest.mark.spark


def test_a_new_table_by_hand(tmp_path: Path) -> None:
    home = tmp_path / ".medallion"
    results = run_commands(home, "Your own table, by hand")
    broken_run, runs, bad_sql = (result for _, result in results[-3:])
    for args, result in results[:-3]:
        assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"

    loaded = next(result for args, result in results if args[0] == "run")
    assert "RESULT: SUCCESS" in loaded.stdout
    selected = next(result for args, result in results if "is_current FROM" in " ".join(args))
    assert re.search(r"1\s.*Ann.*true", selected.stdout) and re.search(r"2\s.*Bob", selected.stdout)
    view = next(result for args, result in results if "--format" in args)
    assert view.stdout.splitlines() == ["id,name", "1,Ann", "2,Bob"]

    assert broken_run.returncode == 1, broken_run.stdout + broken_run.stderr
    assert "[UNRESOLVED_COLUMN" in broken_run.stdout and "is_deleted" in broken_run.stdout
    assert "TypeError" not in broken_run.stdout + broken_run.stderr
    run_id = re.search(r"^Run (\S+)", broken_run.stdout, re.MULTILINE)
    assert run_id is not None and run_id.group(1) in runs.stdout
    one_run = medallion(home, "runs", run_id.group(1))
    assert "[UNRESOLVED_COLUMN" in one_run.stdout and "is_deleted" in one_run.stdout

    assert bad_sql.returncode == 1
    first, *rest = bad_sql.stderr.splitlines()
    assert first.startswith(
        "error: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter "
        "with name `nope` cannot be resolved."
    )
    assert rest == ["in: SELECT nope FROM dev_silver.crm.users"]
    schemas = medallion(home, "sql", "SHOW SCHEMAS IN dev_gold", "--format", "json")
    assert json.loads(schemas.stdout) == [{"databaseName": "crm"}]
    when_things_fail(home)


def when_things_fail(home: Path) -> None:
    """The README's "When things fail" block, as written, on the journey's broken lakehouse;
    the block's example run id is the failed run's, and the fix adds the missing column."""
    failing, latest, one_run, repair = readme_commands("When things fail", "docs/operations.md")
    example = one_run[1]

    failed = medallion(home, *failing)
    run_id = re.search(r"^Run (\S+)", failed.stdout, re.MULTILINE)
    assert failed.returncode == 1 and run_id is not None, failed.stdout + failed.stderr
    listed = medallion(home, *latest)
    shown = medallion(home, *[run_id.group(1) if arg == example else arg for arg in one_run])
    fixed = medallion(
        home, "sql", "ALTER TABLE dev_bronze.crm.users ADD COLUMNS (is_deleted BOOLEAN)"
    )
    repaired = medallion(home, *[run_id.group(1) if arg == example else arg for arg in repair])

    assert run_id.group(1) in listed.stdout and "FAILED" in listed.stdout
    assert "[UNRESOLVED_COLUMN" in shown.stdout and "is_deleted" in shown.stdout
    assert fixed.returncode == 0, fixed.stderr
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "total 1  succeeded 1" in repaired.stdout
    for result in (failed, listed, shown, repaired):
        quiet(result)
