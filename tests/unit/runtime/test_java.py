"""The Java check: fake `java` executables print what real ones print."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from medallion_orchestrator.errors import EnvironmentProblem
from medallion_orchestrator.runtime.java import check_java, java_executable


def fake_java(folder: Path, version_line: str) -> Path:
    """`folder/bin/java` that prints `version_line` on stderr, as `java -version` does."""
    java = folder / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n", encoding="utf-8")
    java.chmod(java.stat().st_mode | stat.S_IXUSR)
    return java


@pytest.fixture
def empty_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH holds only an empty folder and JAVA_HOME is unset."""
    folder = tmp_path / "empty-bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    return folder


@pytest.mark.parametrize(
    ("version_line", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('openjdk version "21.0.4" 2024-07-16 LTS', 21),
        ('java version "21" 2023-09-19', 21),
    ],
)
def test_a_supported_java_home(
    version_line: str, major: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_java(tmp_path / "jdk", version_line)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))

    assert check_java() == major


@pytest.mark.parametrize(
    ("version_line", "major"),
    [
        ('openjdk version "11.0.2" 2019-01-15', 11),
        ('java version "1.8.0_292"', 8),
        ('openjdk version "25" 2025-09-16', 25),
    ],
)
def test_an_unsupported_java_names_its_version(
    version_line: str, major: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    java = fake_java(tmp_path / "jdk", version_line)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))

    with pytest.raises(EnvironmentProblem) as raised:
        check_java()

    message = str(raised.value)
    assert "Java 17 or 21" in message
    assert f"found Java {major} at {java}" in message
    assert "\n" not in message


def test_a_java_home_without_bin_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "not-a-jdk").mkdir()
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "not-a-jdk"))

    with pytest.raises(EnvironmentProblem) as raised:
        check_java()

    assert str(raised.value) == (
        f"JAVA_HOME={tmp_path / 'not-a-jdk'} holds no bin/java; install Java 17 or 21"
    )


def test_no_java_anywhere(empty_path: Path) -> None:
    with pytest.raises(EnvironmentProblem, match=r"^Java not found: install Java 17 or 21"):
        check_java()


def test_java_on_the_path_is_used_without_java_home(
    empty_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    java = fake_java(tmp_path / "jdk", 'openjdk version "17.0.2" 2022-01-18')
    monkeypatch.setenv("PATH", os.pathsep.join([str(empty_path), str(java.parent)]))

    assert java_executable() == java
    assert check_java() == 17


def test_a_java_whose_version_cannot_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_java(tmp_path / "jdk", "Segmentation fault")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))

    with pytest.raises(EnvironmentProblem, match=r"cannot read the version of .*; install Java 17"):
        check_java()


def test_a_java_that_cannot_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("not executable", encoding="utf-8")  # no x bit
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))

    with pytest.raises(EnvironmentProblem, match=f"cannot run {re.escape(str(java))}"):
        check_java()
