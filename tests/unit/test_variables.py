"""The MEDALLION_* environment variables are named and read in one module."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from medallion_orchestrator import variables
from medallion_orchestrator.errors import ConfigError

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
    assert not variables.full_jit() and not variables.quick_jit()


def test_set_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(variables.HOME, str(tmp_path))
    monkeypatch.setenv(variables.CLASS_ARCHIVE, "0")
    monkeypatch.setenv(variables.DRIVER_MEMORY, "6g")
    monkeypatch.setenv(variables.JIT, "full")

    assert variables.home() == tmp_path
    assert not variables.class_archive_wanted()
    assert variables.driver_memory() == "6g"
    assert variables.full_jit()
    monkeypatch.setenv(variables.JIT, "quick")
    assert variables.quick_jit() and not variables.full_jit()


def test_commands_use_a_server_started_for_them_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(variables.SERVER, raising=False)
    monkeypatch.delenv(variables.SERVER_IDLE, raising=False)
    monkeypatch.delenv(variables.SERVER_WARM_UP, raising=False)
    assert variables.server_mode() == "auto"
    assert variables.server_idle_minutes() == 30
    assert variables.server_warm_up()

    for given, mode in (("off", "off"), (" Manual ", "manual"), ("", "auto")):
        monkeypatch.setenv(variables.SERVER, given)
        assert variables.server_mode() == mode
    monkeypatch.setenv(variables.SERVER_IDLE, "0.5")
    assert variables.server_idle_minutes() == 0.5
    monkeypatch.setenv(variables.SERVER_WARM_UP, "0")
    assert not variables.server_warm_up()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (variables.SERVER, "yes", "MEDALLION_SERVER must be one of auto, manual, off, not 'yes'"),
        (variables.SERVER_IDLE, "0", "MEDALLION_SERVER_IDLE_MINUTES must be a number of minutes"),
        (variables.SERVER_IDLE, "soon", "MEDALLION_SERVER_IDLE_MINUTES must be a number of"),
    ],
)
def test_a_wrong_server_setting_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        variables.server_mode()
        variables.server_idle_minutes()
