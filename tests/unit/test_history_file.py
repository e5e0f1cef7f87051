"""The shell's history file: loaded twice in one process (the server was busy, so the shell ran
here after the client had loaded it), its lines are kept once."""

from __future__ import annotations

from pathlib import Path

import pytest

from medallion_orchestrator.shell_history import kept_history

readline = pytest.importorskip("readline")


def test_history_loaded_twice_is_saved_once(tmp_path: Path) -> None:
    (tmp_path / "shell_history").write_text("SELECT 1;\nSELECT 2;\n")

    kept_history(tmp_path)
    save = kept_history(tmp_path)
    assert save is not None
    save()

    assert (tmp_path / "shell_history").read_text().splitlines() == ["SELECT 1;", "SELECT 2;"]


def test_a_home_that_is_not_there_saves_nothing_and_raises_nothing(tmp_path: Path) -> None:
    save = kept_history(tmp_path / "never made")
    assert save is not None

    save()

    assert not (tmp_path / "never made").exists()
