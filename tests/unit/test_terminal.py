"""Tables on a narrow terminal: ids and statuses stay whole, other cells fold."""

from __future__ import annotations

import io

import pytest

from medallion_orchestrator.terminal import print_table

RUN_ID = "20261202-041825-3fa9c1"


def test_whole_columns_are_not_folded_on_a_narrow_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    out = io.StringIO()
    row = [RUN_ID, "ABANDONED", "a message long enough to be folded over several lines " * 2]

    print_table(("run_id", "status", "message"), [row], out, whole=("run_id", "status"))

    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 60
    assert RUN_ID in text
    assert "ABANDONED" in text
    assert "a message long enough to be folded over several lines " * 2 not in text


def test_without_whole_columns_a_narrow_terminal_folds_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    out = io.StringIO()
    row = [RUN_ID, "ABANDONED", "a message long enough to be folded over several lines " * 2]

    print_table(("run_id", "status", "message"), [row], out)

    assert RUN_ID not in out.getvalue()
