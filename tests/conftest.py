"""Shared fixtures: one local Delta SparkSession for the whole run, and the CLI on it."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

_names = itertools.count(1)


@pytest.fixture(scope="session")
def lakehouse_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lakehouse")


@pytest.fixture(scope="session")
def spark(lakehouse_home: Path) -> Iterator[object]:
    from medallion_orchestrator.runtime.local_spark import local_spark

    session = local_spark(lakehouse_home, cores=2)
    yield session
    session.stop()


@pytest.fixture()
def lakehouse(spark: object) -> object:
    from medallion_orchestrator.runtime.lakehouse import lakehouse_for

    return lakehouse_for(spark)  # type: ignore[arg-type]


@pytest.fixture()
def unique() -> str:
    """A name no other test uses, for schemas and tables."""
    return f"t{next(_names)}"


@dataclass(frozen=True)
class Completed:
    """What a `medallion` command returned and printed (as subprocess.CompletedProcess)."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture()
def cli(
    spark: object,
    lakehouse_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., Completed]:
    """`medallion ARGS` in this process, on the shared session and home: for what a new
    process proves nothing more about (tests/e2e drives the README's flows as processes)."""
    from medallion_orchestrator.cli import main

    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str, stdin: str | None = None) -> Completed:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main([*args, "--home", str(lakehouse_home)])
        out, err = capsys.readouterr()
        return Completed(code, out, err)

    return run
