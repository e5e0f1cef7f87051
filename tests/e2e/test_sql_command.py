"""`medallion sql` keeps nothing from the user: every result, every row, and where a script stopped.

One process per command, as users run it; several statements go through `-f` and standard input.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_support import child_environment, medallion

pytestmark = pytest.mark.spark

SCRIPT = """
CREATE SCHEMA IF NOT EXISTS dev_bronze.script;
CREATE TABLE dev_bronze.script.numbers AS SELECT id FROM range(1500);
SELECT count(*) AS n FROM dev_bronze.script.numbers;
SELECT max(id) AS top FROM dev_bronze.script.numbers
"""


FIRST_COMMANDS_LINES = (
    "creating a new local lakehouse in ",
    "starting a warm server for this home",
)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sql") / ".medallion"


def test_a_script_prints_each_statements_result(home: Path, tmp_path: Path) -> None:
    script = tmp_path / "script.sql"
    script.write_text(SCRIPT)

    result = medallion(home, "sql", "-f", str(script), "--format", "json")

    assert result.returncode == 0, result.stderr
    created, started = result.stderr.splitlines()
    assert created == f"creating a new local lakehouse in {home}"
    assert started.startswith("starting a warm server for this home")
    outputs = [json.loads(part) for part in result.stdout.replace("]\n[", "]\x00[").split("\x00")]
    assert outputs == [[], [], [{"n": 1500}], [{"top": 1499}]]


def test_csv_and_json_print_every_row_and_a_table_says_what_it_left_out(home: Path) -> None:
    query = "SELECT id FROM dev_bronze.script.numbers ORDER BY id"

    csv_rows = medallion(home, "sql", query, "--format", "csv").stdout.splitlines()
    json_rows = json.loads(medallion(home, "sql", query, "--format", "json").stdout)
    table = medallion(home, "sql", query, "--limit", "5").stdout

    assert len(csv_rows) == 1501 and csv_rows[-1] == "1499"
    assert len(json_rows) == 1500
    assert "showing 5 of 1500 rows" in table
    assert "│ 4  │" in table and "│ 5  │" not in table


def test_a_failing_statement_says_which_ones_ran_before_it(home: Path) -> None:
    statements = (
        "INSERT INTO dev_bronze.script.numbers VALUES (5000);\n"
        "SELECT count(*) AS n FROM dev_bronze.script.numbers;\n"
        "SELECT missing_column FROM dev_bronze.script.numbers;\n"
        "INSERT INTO dev_bronze.script.numbers VALUES (6000)\n"
    )

    failed = medallion(home, "sql", stdin=statements)
    count = medallion(
        home, "sql", "SELECT count(*) AS n FROM dev_bronze.script.numbers", "--format", "json"
    )

    assert failed.returncode == 1
    error, context = failed.stderr.splitlines()
    assert error.startswith("error: [UNRESOLVED_COLUMN.WITH_SUGGESTION]")
    assert "`missing_column`" in error
    assert context == (
        "statement 3 of 4 failed (statements 1-2 ran): "
        "SELECT missing_column FROM dev_bronze.script.numbers;"
    ) or context.startswith("statement 3 of 4 failed (statements 1-2 ran): SELECT missing_column")
    assert json.loads(count.stdout) == [{"n": 1501}]


def test_the_shell_keeps_one_session_and_goes_on_after_an_error(home: Path) -> None:
    typed = (
        "SELECT count(*) AS n\n  FROM dev_bronze.script.numbers;\n"
        "SELECT nope FROM dev_bronze.script.numbers;\n"
        "\\format csv\n"
        "SHOW TABLES IN dev_bronze.script;\n"
    )

    shell = medallion(home, "shell", stdin=typed)

    assert shell.returncode == 1  # a statement failed and nobody was there to see it
    assert "1501" in shell.stdout
    assert "database,tableName,isTemporary\nscript,numbers,false" in shell.stdout
    assert shell.stderr.count("error: [UNRESOLVED_COLUMN") == 1


def test_verbose_adds_the_traceback_before_the_line(home: Path) -> None:
    result = medallion(home, "sql", "SELECT nope FROM dev_bronze.script.numbers", "--verbose")

    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.splitlines()[-2].startswith("error: [UNRESOLVED_COLUMN.WITH_SUGGESTION]")


@pytest.mark.parametrize("server", ["auto", "off"])
def test_output_piped_to_a_reader_that_stops_early_ends_quietly(home: Path, server: str) -> None:
    """`medallion sql ... | head -1`: the reader closes the pipe after one line, as `head` does;
    the command ends as a process killed by SIGPIPE does (exit 141), saying nothing, in the
    server or in a JVM of its own."""
    args = ["sql", "SELECT id FROM range(200000)", "--format", "csv", "--home", str(home)]
    reader, writer = os.pipe()
    command = subprocess.Popen(
        [sys.executable, "-m", "medallion_orchestrator", *args],
        stdout=writer,
        stderr=subprocess.PIPE,
        text=True,
        env=child_environment(server),
    )
    os.close(writer)
    with os.fdopen(reader) as piped:
        first = piped.readline()
    _, stderr = command.communicate(timeout=300)

    assert first == "id\n"
    said = [line for line in stderr.splitlines() if not line.startswith(FIRST_COMMANDS_LINES)]
    assert said == [], stderr
    assert command.returncode == 141, stderr


def test_ctrl_c_cancels_a_statement_running_in_the_server_which_then_serves_the_next(
    home: Path,
) -> None:
    """The statement's Spark jobs are cancelled: the server's main thread waits in the JVM, out
    of reach of the signal the client sends on, and the jobs would hold its cores for days."""
    from medallion_orchestrator.server.client import ask

    never_ends = "SELECT max(id) FROM range(0, 100000000000000)"
    args = ["sql", never_ends, "--home", str(home)]
    command = subprocess.Popen(
        [sys.executable, "-m", "medallion_orchestrator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_environment("auto"),
    )
    while (status := ask(home, "status")) is None or status["busy"] != args:
        assert command.poll() is None, command.communicate()
        time.sleep(0.2)
    time.sleep(2)  # the statement runs by now, on all but a starved machine: see the end
    command.send_signal(signal.SIGINT)
    _, stderr = command.communicate(timeout=300)
    after = medallion(home, "sql", "SELECT 6 * 7 AS answer", "--format", "csv")

    assert command.returncode == 130, stderr
    ended = stderr.splitlines()[-2:]
    # a Ctrl-C that came before the statement began ends the command before it starts
    assert ended == ["cancelled", f"in: {never_ends}"] or ended[-1] == "interrupted", stderr
    assert after.stdout == "answer\n42\n" and after.stderr == "", after.stderr
