"""Where the project's notebooks, SQL files and conf/ live, and what conf/ says."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from medallion_orchestrator.errors import ConfigError

PROJECT_DIR_ENV = "MEDALLION_PROJECT_DIR"
ENVIRONMENT_ENV = "MEDALLION_ENV"


@dataclass(frozen=True)
class ProjectLayout:
    root: Path

    @property
    def notebooks_dir(self) -> Path:
        return self.root / "notebooks"

    @property
    def sql_dir(self) -> Path:
        """Gold SQL files: `sql_file_path` is relative to here and may not leave it."""
        return self.root / "metadata" / "sql"

    @property
    def conf_dir(self) -> Path:
        return self.root / "conf"

    @property
    def ddl_dir(self) -> Path:
        return self.root / "metadata" / "ddl"

    @classmethod
    def find(cls, start: Path | None = None) -> ProjectLayout:
        """MEDALLION_PROJECT_DIR, else the first folder upward holding conf/pipelines.yml."""
        if explicit := os.environ.get(PROJECT_DIR_ENV):
            return cls._checked(Path(explicit))
        candidates = [start or Path.cwd(), Path(__file__).resolve().parent]
        for candidate in candidates:
            for folder in (candidate, *candidate.parents):
                if (folder / "conf" / "pipelines.yml").is_file():
                    return cls(folder.resolve())
        raise ConfigError(
            "cannot find the project folder (one holding conf/pipelines.yml); "
            f"run from inside it or set {PROJECT_DIR_ENV}"
        )

    @classmethod
    def _checked(cls, root: Path) -> ProjectLayout:
        if not (root / "conf" / "pipelines.yml").is_file():
            raise ConfigError(f"{PROJECT_DIR_ENV}={root} holds no conf/pipelines.yml")
        return cls(root.resolve())


@dataclass(frozen=True)
class Pipeline:
    name: str
    notebook: str
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class DatabricksSettings:
    """Where an environment's notebooks live in the workspace and what compute runs them.

    `notebooks_root` is absolute (`/Workspace/...`) or starts with `~/` (the user's home folder,
    as in bundles). Without `existing_cluster_id`, the profile's `cluster_id` (env
    DATABRICKS_CLUSTER_ID) is used, else serverless compute.
    """

    notebooks_root: str
    existing_cluster_id: str | None = None
    poll_seconds: float = 10.0
    max_queue_seconds: float = 3600.0  # QUEUED/PENDING/BLOCKED before the task's timeout starts


@dataclass(frozen=True)
class Environment:
    name: str
    metadata_table: str
    max_workers: int = 5
    default_timeout_seconds: int = 7200
    max_retries: int = 2
    retry_delay_seconds: float = 10.0
    lock_expiry_seconds: int = 300
    catalogs: Mapping[str, str] = field(default_factory=dict)
    databricks: DatabricksSettings | None = None  # None: tasks cannot run through the Jobs API

    def catalog(self, name: str) -> str:
        return self.catalogs.get(name, name)


def load_pipelines(layout: ProjectLayout) -> dict[str, Pipeline]:
    raw = _read_yaml(layout.conf_dir / "pipelines.yml")
    entries = raw.get("pipelines")
    if not isinstance(entries, dict) or not entries:
        raise ConfigError("conf/pipelines.yml: `pipelines` must map pipeline names to notebooks")
    pipelines = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("notebook"), str):
            raise ConfigError(f"conf/pipelines.yml: pipeline {name!r} needs a `notebook`")
        notebook_file = layout.notebooks_dir / f"{entry['notebook']}.py"
        if not notebook_file.is_file():
            raise ConfigError(f"conf/pipelines.yml: pipeline {name!r}: no notebook {notebook_file}")
        pipelines[name] = Pipeline(name, entry["notebook"], tuple(entry.get("requires") or ()))
    return pipelines


def load_environment(layout: ProjectLayout, name: str | None = None) -> Environment:
    raw = _read_yaml(layout.conf_dir / "environments.yml")
    environments = raw.get("environments") or {}
    chosen = name or os.environ.get(ENVIRONMENT_ENV) or raw.get("default", "local")
    if chosen not in environments:
        known = ", ".join(sorted(environments)) or "none"
        raise ConfigError(f"conf/environments.yml: unknown environment {chosen!r} (known: {known})")
    try:
        entry = dict(environments[chosen])
        if "databricks" in entry:
            entry["databricks"] = _databricks_settings(entry["databricks"])
        return Environment(name=chosen, **entry)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"conf/environments.yml: environment {chosen!r}: {error}") from None


def _databricks_settings(raw: Any) -> DatabricksSettings:
    if not isinstance(raw, dict):
        raise ValueError("`databricks` must be a mapping with at least `notebooks_root`")
    settings = DatabricksSettings(**raw)
    root = settings.notebooks_root
    if not isinstance(root, str) or not root.startswith(("/", "~/")):
        raise ValueError(
            f"databricks.notebooks_root {root!r} must be absolute (/Workspace/...) or start with ~/"
        )
    return settings


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"missing {path}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path} must hold a mapping")
    return loaded
