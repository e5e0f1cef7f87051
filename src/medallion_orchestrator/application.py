"""One place builds everything that touches the outside; tests swap any part with replace()."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from medallion_orchestrator.clock import Clock, SystemClock
from medallion_orchestrator.execution.cancellation import Cancellation
from medallion_orchestrator.metadata.repository import MetadataRepository
from medallion_orchestrator.project import (
    DEFAULT_HOME,
    Environment,
    Pipeline,
    ProjectLayout,
    load_environment,
    load_pipelines,
)
from medallion_orchestrator.runtime.lakehouse import Lakehouse, lakehouse_for

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient
    from pyspark.sql import SparkSession

    from medallion_orchestrator.history.run_log import RunHistory
    from medallion_orchestrator.notebook_engine.engine import LocalNotebookEngine
    from medallion_orchestrator.runners.base import Runner
    from medallion_orchestrator.runners.chain import RunnerParts

T = TypeVar("T")


@dataclass
class Application:
    home: Path = DEFAULT_HOME
    environment_name: str | None = None
    metadata_table_override: str | None = None
    runner_choice: str = "auto"  # or force one: "local", "jobs", "dbutils" (runners/chain.py)
    databricks_profile: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)

    def replace(self, **kwargs: Any) -> Application:
        """A copy with some parts swapped, e.g. replace(spark=session, runner=fake). A name that
        is no part is refused; a given value is used as it is, falsy ones included."""
        if unknown := sorted(set(kwargs) - PARTS):
            raise TypeError(
                f"Application has no part {', '.join(unknown)} (parts: {', '.join(sorted(PARTS))})"
            )
        return dataclasses.replace(self, overrides={**self.overrides, **kwargs})

    def _given(self, name: str, build: Callable[[], T]) -> T:
        return self.overrides[name] if name in self.overrides else build()  # type: ignore[no-any-return]

    @cached_property
    def layout(self) -> ProjectLayout:
        return self._given("layout", ProjectLayout.find)

    @cached_property
    def environment(self) -> Environment:
        return self._given(
            "environment", lambda: load_environment(self.layout, self.environment_name)
        )

    @cached_property
    def pipelines(self) -> dict[str, Pipeline]:
        return self._given("pipelines", lambda: load_pipelines(self.layout))

    @cached_property
    def spark(self) -> SparkSession:
        def start() -> SparkSession:
            from medallion_orchestrator.runtime.local_spark import local_spark

            return local_spark(self.home)

        return self._given("spark", start)

    @cached_property
    def lakehouse(self) -> Lakehouse:
        return self._given(
            "lakehouse", lambda: lakehouse_for(self.spark, self.environment.catalogs)
        )

    @property
    def metadata_table(self) -> str:
        return self.metadata_table_override or self.environment.metadata_table

    @cached_property
    def repository(self) -> MetadataRepository:
        return self._given(
            "repository",
            lambda: MetadataRepository(
                self.lakehouse, self.metadata_table, self.layout.ddl_dir / "execution_table.sql"
            ),
        )

    @cached_property
    def engine(self) -> LocalNotebookEngine:
        from medallion_orchestrator.notebook_engine.engine import LocalNotebookEngine

        return self._given(
            "engine",
            lambda: LocalNotebookEngine(self.spark, self.layout.notebooks_dir, self.lakehouse),
        )

    @cached_property
    def dbutils(self) -> Any | None:
        """The notebook's dbutils when running in a Databricks notebook; None elsewhere."""
        from medallion_orchestrator.runtime.databricks_runtime import notebook_dbutils

        return self._given("dbutils", notebook_dbutils)

    @cached_property
    def workspace_client(self) -> WorkspaceClient | None:
        """A Databricks client when databricks-sdk's unified auth finds credentials."""
        from medallion_orchestrator.runners.jobs_api import workspace_client_from_env

        return self._given(
            "workspace_client",
            lambda: workspace_client_from_env(self.databricks_profile, self.clock),
        )

    @cached_property
    def run_history(self) -> RunHistory:
        from medallion_orchestrator.history.run_log import HistoryTables, RunHistory

        return self._given(
            "run_history",
            lambda: RunHistory(
                self.lakehouse,
                HistoryTables.beside(self.metadata_table),
                self.layout.ddl_dir,
                self.clock,
            ),
        )

    @cached_property
    def clock(self) -> Clock:
        return self._given("clock", SystemClock)

    @cached_property
    def cancellation(self) -> Cancellation:
        """Set to stop the run (interrupts.py sets it on Ctrl-C and SIGTERM)."""
        return self._given("cancellation", Cancellation)

    @cached_property
    def runner(self) -> Runner:
        from medallion_orchestrator.runners.chain import choose_runner

        return self._given("runner", lambda: choose_runner(self.runner_parts(), self.runner_choice))

    def runner_parts(self) -> RunnerParts:
        """What the runner strategies may use, each part made only when one asks for it."""
        from medallion_orchestrator.runners.chain import RunnerParts

        return RunnerParts(
            dbutils=lambda: self.dbutils,
            environment=lambda: self.environment,
            workspace_client=lambda: self.workspace_client,
            engine=lambda: self.engine,
            user_catalogs=self.user_catalogs,
            clock=self.clock,
        )

    def user_catalogs(self) -> set[str]:
        """The catalogs whose local `catalog__schema` names are shown to users as catalog.schema."""
        from medallion_orchestrator.errors import ConfigError
        from medallion_orchestrator.runtime.local_catalog import CatalogStore
        from medallion_orchestrator.runtime.local_spark import warehouse_dir
        from medallion_orchestrator.runtime.local_statements import CURRENT_CATALOG

        try:
            named = {*self.environment.catalogs, *self.environment.catalogs.values()}
            named.add(self.metadata_table.split(".")[0])
        except ConfigError:
            named = set()
        stored = CatalogStore(self.home, warehouse_dir(self.home)).catalogs()
        return {name.lower() for name in named} | stored | {CURRENT_CATALOG}


PARTS = frozenset(
    name for name, value in vars(Application).items() if isinstance(value, cached_property)
)
