"""The README's "Your own table, by hand": its commands, read from the README, one process each.

Nothing here restates the commands: they are parsed from the README's block, so what a person
copies is what CI runs.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from cli_support import ROOT, medallion

pytestmark = pytest.mark.spark


def readme_commands(section: str) -> list[list[str]]:
    """The `medallion ...` lines of the first bash block after a README heading."""
    text = (ROOT / "README.md").read_text()
    after = text[text.index(f"## {section}\n") :]
    block = re.search(r"```bash\n(.*?)```", after, re.DOTALL)
    assert block is not None, f"no bash block under {section}"
    commands = [shlex.split(line, comments=True) for line in block.group(1).splitlines()]
    return [command[1:] for command in commands if command and command[0] == "medallion"]


def quiet(result: subprocess.CompletedProcess[str]) -> None:
    for noise in ("WARNING", "log4j", "Falling back", "Traceback", "Setting default log level"):
        assert noise not in result.stderr, result.stderr


def test_a_new_table_by_hand(tmp_path: Path) -> None:
    home = tmp_path / ".medallion"
    results = []
    for args in readme_commands("Your own table, by hand"):
        result = medallion(home, *args)
        quiet(result)
        results.append((args, result))
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
