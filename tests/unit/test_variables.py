"""The MEDALLION_* environment variables are named and read in one module."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from medallion_orchestrator import variables

PACKAGE = Path(variables.__file__).parent
NAMED = re.compile(r"[\"']MEDALLION_\w+[\"']")


def test_no_other_module_names_a_variable() -> None:
    elsewhere = [
        f"{path.relative_to(PACKAGE)}: {match.group()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != Path(variables.__file__)
        for match in NAMED.finditer(path.read_text())
    ]
    assert elsewhere == []


def test_unset_or_empty_variables_mean_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (variables.HOME, variables.ENVIRONMENT, variables.DRIVER_MEMORY):
        monkeypatch.setenv(name, "")
    monkeypatch.delenv(variables.CLASS_ARCHIVE, raising=False)
    monkeypatch.delenv(variables.JIT, raising=False)

    assert variables.home() is None
    assert variables.environment() is None
    assert variables.driver_memory() == "2g"
    assert variables.class_archive_wanted()
    assert not variables.full_jit()


def test_set_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(variables.HOME, str(tmp_path))
    monkeypatch.setenv(variables.CLASS_ARCHIVE, "0")
    monkeypatch.setenv(variables.DRIVER_MEMORY, "6g")
    monkeypatch.setenv(variables.JIT, "full")

    assert variables.home() == tmp_path
    assert not variables.class_archive_wanted()
    assert variables.driver_memory() == "6g"
    assert variables.full_jit()
