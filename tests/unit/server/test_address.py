"""Where a home's server listens, and when its code is not the command's."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import tempfile
from pathlib import Path

import pytest

from medallion_orchestrator import variables
from medallion_orchestrator.errors import EnvironmentProblem
from medallion_orchestrator.server.address import PACKAGE, fingerprint, socket_path
from medallion_orchestrator.server.client import ask, run_in_server
from medallion_orchestrator.server.commands import start


def test_one_socket_a_home_in_a_folder_of_this_user_alone(tmp_path: Path) -> None:
    home = tmp_path / ("a-long-folder-name" * 6) / "home"

    path = socket_path(home)

    assert path == socket_path(tmp_path / ("a-long-folder-name" * 6) / "." / "home")
    assert path != socket_path(tmp_path / "other")
    assert len(str(path)) < 100  # a Unix socket's path is at most about 100 bytes
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.parent.stat().st_uid == os.getuid()


def test_the_fingerprint_changes_when_a_file_of_the_package_does(tmp_path: Path) -> None:
    copy = tmp_path / "package"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = fingerprint(copy)

    assert fingerprint(copy) == before
    module = copy / "server" / "client.py"
    module.write_text(module.read_text() + "\n# edited\n")
    assert fingerprint(copy) != before


def test_the_fingerprint_changes_with_the_jvms_settings_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in variables.JVM_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    before = fingerprint()
    monkeypatch.setenv("PATH", "/elsewhere")
    monkeypatch.setenv(variables.HOME, str(tmp_path))
    assert fingerprint() == before

    for name, value in ((variables.DRIVER_MEMORY, "8g"), ("JAVA_TOOL_OPTIONS", "-Xss4m")):
        monkeypatch.setenv(name, value)
        assert fingerprint() != before
        monkeypatch.delenv(name)
        assert fingerprint() == before


def test_without_a_server_the_command_runs_in_its_own_process(tmp_path: Path) -> None:
    assert run_in_server(tmp_path / "home", ["sql", "SELECT 1"], reads_stdin=False) is None
    assert ask(tmp_path / "home", "status") is None


def test_the_socket_a_killed_server_left_is_not_a_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    left = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    left.bind(str(socket_path(home)))
    left.close()  # bound, never listening: as a killed server leaves it

    try:
        assert run_in_server(home, ["sql", "SELECT 1"], reads_stdin=False) is None
        assert ask(home, "status") is None
    finally:
        socket_path(home).unlink(missing_ok=True)


def test_a_socket_folder_others_may_open_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / f"medallion-{os.getuid()}"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)

    with pytest.raises(PermissionError, match="must belong to this user alone"):
        socket_path(tmp_path / "home")
    assert run_in_server(tmp_path / "home", ["sql", "SELECT 1"], reads_stdin=False) is None
    with pytest.raises(EnvironmentProblem, match="the server cannot listen safely"):
        start(tmp_path / "home")
