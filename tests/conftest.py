"""Shared fixtures: one local Delta SparkSession for the whole run (integration and e2e)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
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
