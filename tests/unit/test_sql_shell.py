"""`medallion shell` without Spark: what it prints when one of several statements fails."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from medallion_orchestrator.sql_console import Output
from medallion_orchestrator.sql_shell import SqlShell


class NoRows:
    columns: tuple[str, ...] = ()


@dataclass
class Lakehouse:
    failing: str
    ran: list[str] = field(default_factory=list)

    def sql(self, statement: str) -> Any:
        if self.failing in statement:
            raise ValueError(f"[UNRESOLVED_COLUMN] `{self.failing}` cannot be resolved")
        self.ran.append(statement)
        return NoRows()


@dataclass
class App:
    lakehouse: Lakehouse
    home: Path = Path("/nowhere")

    def user_catalogs(self) -> set[str]:
        return set()


def shell(typed: str, lakehouse: Lakehouse) -> SqlShell:
    return SqlShell(App(lakehouse), Output(), stdin=io.StringIO(typed))  # type: ignore[arg-type]


def test_one_of_several_statements_on_a_line_says_which_ones_ran(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lakehouse = Lakehouse(failing="nope")

    code = shell(
        "INSERT INTO t VALUES (1); SELECT nope FROM t; INSERT INTO t VALUES (2);\n", lakehouse
    ).loop()

    assert code == 1
    assert lakehouse.ran == ["INSERT INTO t VALUES (1)"]
    error, context = capsys.readouterr().err.splitlines()
    assert error == "error: [UNRESOLVED_COLUMN] `nope` cannot be resolved"
    assert context == "statement 2 of 3 failed (statement 1 ran): SELECT nope FROM t"


def test_a_single_failing_statement_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = shell("SELECT nope FROM t;\nSELECT 1;\n", Lakehouse(failing="nope")).loop()

    assert code == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: [UNRESOLVED_COLUMN] `nope` cannot be resolved"
    ]
