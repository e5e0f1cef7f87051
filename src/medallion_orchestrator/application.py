"""One place builds everything that touches the outside; tests swap any part with replace()."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medallion_orchestrator.clock import Clock, SystemClock
from medallion_orchestrator.execution.cancellation import Cancellation
from medallion_orchestrator.metadata.repository import MetadataRepository
from medallion_orchestrator.project import (
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
    from medallion_orchestrator.local.engine import LocalNotebookEngine
    from medallion_orchestrator.runners.base import Runner

DEFAULT_HOME = Path(".medallion")


@dataclass
class Application:
    home: Path = DEFAULT_HOME
    environment_name: str | None = None
    metadata_table_override: str | None = None
    runner_choice: str = "auto"  # or force one: "local", "jobs", "dbutils" (runners/chain.py)
    databricks_profile: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)

    def replace(self, **kwargs: Any) -> Application:
        """A copy with some parts swapped, e.g. replace(spark=session, runner=fake)."""
        return dataclasses.replace(self, overrides={**self.overrides, **kwargs})

    def _given(self, name: str) -> Any:
        return self.overrides.get(name)

    @cached_property
    def layout(self) -> ProjectLayout:
        return self._given("layout") or ProjectLayout.find()

    @cached_property
    def environment(self) -> Environment:
        return self._given("environment") or load_environment(self.layout, self.environment_name)

    @cached_property
    def pipelines(self) -> dict[str, Pipeline]:
        return self._given("pipelines") or load_pipelines(self.layout)

    @cached_property
    def spark(self) -> SparkSession:
        if given := self._given("spark"):
            return given  # type: ignore[no-any-return]
        from medallion_orchestrator.runtime.local_spark import local_spark

        return local_spark(self.home)

    @cached_property
    def lakehouse(self) -> Lakehouse:
        return self._given("lakehouse") or lakehouse_for(self.spark, self.environment.catalogs)

    @property
    def metadata_table(self) -> str:
        return self.metadata_table_override or self.environment.metadata_table

    @cached_property
    def repository(self) -> MetadataRepository:
        return self._given("repository") or MetadataRepository(
            self.lakehouse, self.metadata_table, self.layout.ddl_dir / "execution_table.sql"
        )

    @cached_property
    def engine(self) -> LocalNotebookEngine:
        from medallion_orchestrator.local.engine import LocalNotebookEngine

        return self._given("engine") or LocalNotebookEngine(
            self.spark, self.layout.notebooks_dir, self.lakehouse
        )

    @cached_property
    def dbutils(self) -> Any | None:
        """The notebook's dbutils when running in a Databricks notebook; None elsewhere."""
        if given := self._given("dbutils"):
            return given
        from medallion_orchestrator.runners.chain import notebook_dbutils

        return notebook_dbutils()

    @cached_property
    def workspace_client(self) -> WorkspaceClient | None:
        """A Databricks client when databricks-sdk's unified auth finds credentials."""
        if given := self._given("workspace_client"):
            return given  # type: ignore[no-any-return]
        from medallion_orchestrator.runners.jobs_api import workspace_client_from_env

        return workspace_client_from_env(self.databricks_profile, self.clock)

    @cached_property
    def run_history(self) -> RunHistory:
        from medallion_orchestrator.history.run_log import HistoryTables, RunHistory

        return self._given("run_history") or RunHistory(
            self.lakehouse,
            HistoryTables.beside(self.metadata_table),
            self.layout.ddl_dir,
            self.clock,
        )

    @cached_property
    def clock(self) -> Clock:
        return self._given("clock") or SystemClock()

    @cached_property
    def cancellation(self) -> Cancellation:
        """Set to stop the run (interrupts.py sets it on Ctrl-C and SIGTERM)."""
        return self._given("cancellation") or Cancellation()

    @cached_property
    def runner(self) -> Runner:
        if given := self._given("runner"):
            return given  # type: ignore[no-any-return]
        from medallion_orchestrator.runners.chain import choose_runner

        return choose_runner(self, self.runner_choice)

    def user_catalogs(self) -> set[str]:
        """The catalogs whose local `catalog__schema` names are shown to users as catalog.schema."""
        from medallion_orchestrator.errors import ConfigError
        from medallion_orchestrator.runtime.local_catalog import CatalogStore
        from medallion_orchestrator.runtime.local_spark import warehouse_dir

        try:
            named = {*self.environment.catalogs, *self.environment.catalogs.values()}
            named.add(self.metadata_table.split(".")[0])
        except ConfigError:
            named = set()
        stored = CatalogStore(self.home, warehouse_dir(self.home)).catalogs()
        return {name.lower() for name in named} | stored
