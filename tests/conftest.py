"""Shared fixtures: one local Delta SparkSession for the whole run, and the CLI on it."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cli_support import Completed, in_process, stop_servers_under
from medallion_orchestrator import variables
from names import fresh_name

# `medallion` called in this process runs here, never in a server; the processes that tests start
# use servers as users do (cli_support.child_environment).
os.environ[variables.SERVER] = "off"


@pytest.fixture(scope="module", autouse=True)
def _servers_stopped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The servers that a module's commands started stop with the module."""
    yield
    stop_servers_under(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def lakehouse_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lakehouse")


# The loader tests' loads are a few rows each, where compiling each query's code costs more than
# running it: the session interprets Spark's expressions. Modules marked `codegen` compile, as
# users' sessions always do: wide tables, where code size limits bite, and a user's own notebook,
# whose `spark.catalog.listTables` over a schema with tables fails interpreted on Spark 4.1
# (EXPRESSION_DECODING_FAILED decoding catalog.Table).
INTERPRETED = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}
COMPILED = {"spark.sql.codegen.wholeStage": "true", "spark.sql.codegen.factoryMode": "FALLBACK"}


@pytest.fixture(scope="session")
def spark(lakehouse_home: Path) -> Iterator[object]:
    from medallion_orchestrator.runtime.local_spark import local_spark

    session = local_spark(lakehouse_home, cores=2, full_jit=True)  # it lives for the whole run
    _configure(session, INTERPRETED)
    yield session
    session.stop()


@pytest.fixture(scope="module", autouse=True)
def _compiled_where_marked(request: pytest.FixtureRequest) -> Iterator[None]:
    """A module marked `codegen` runs on the session with code generation on."""
    if request.node.get_closest_marker("codegen") is None:
        yield
        return
    session = request.getfixturevalue("spark")
    _configure(session, COMPILED)
    yield
    _configure(session, INTERPRETED)


def _configure(session: object, settings: dict[str, str]) -> None:
    """On the session, and in the Spark configuration that each notebook's session starts
    from (a cluster's Spark config on Databricks)."""
    cluster = session.sparkContext._jsc.sc().conf()  # type: ignore[attr-defined]
    for key, value in settings.items():
        session.conf.set(key, value)  # type: ignore[attr-defined]
        cluster.set(key, value)


@pytest.fixture()
def lakehouse(spark: object) -> object:
    from medallion_orchestrator.runtime.lakehouse import lakehouse_for

    return lakehouse_for(spark)  # type: ignore[arg-type]


@pytest.fixture()
def app(spark: object, lakehouse_home: Path, unique: str) -> object:
    """The application on the shared session and home, with an execution table of its own."""
    from medallion_orchestrator.application import Application

    app = Application(
        home=lakehouse_home, metadata_table_override=f"dev_silver.{unique}_meta.execution_table"
    ).replace(spark=spark)
    app.repository.init()
    return app


@pytest.fixture()
def unique() -> str:
    """A name no other test uses, for schemas and tables."""
    return fresh_name()


@pytest.fixture()
def cli(spark: object, lakehouse_home: Path) -> Callable[..., Completed]:
    """`medallion ARGS` in this process, on the shared session and home: for what a new
    process proves nothing more about (tests/e2e drives the README's flows as processes)."""
    return functools.partial(in_process, lakehouse_home)
