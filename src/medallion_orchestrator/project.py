"""Where the project's notebooks, SQL files and conf/ live, and what conf/ says."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from medallion_orchestrator import variables
from medallion_orchestrator.conf_values import Kind, Setting, problems_of
from medallion_orchestrator.errors import ConfigError

DEFAULT_HOME = Path(".medallion")  # the local lakehouse, in the project folder


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
        if explicit := variables.project_dir():
            return cls._checked(explicit)
        candidates = [start or Path.cwd(), Path(__file__).resolve().parent]
        for candidate in candidates:
            for folder in (candidate, *candidate.parents):
                if (folder / "conf" / "pipelines.yml").is_file():
                    return cls(folder.resolve())
        raise ConfigError(
            "cannot find the project folder (one holding conf/pipelines.yml); "
            f"run from inside it or set {variables.PROJECT_DIR}"
        )

    @classmethod
    def _checked(cls, root: Path) -> ProjectLayout:
        if not (root / "conf" / "pipelines.yml").is_file():
            raise ConfigError(f"{variables.PROJECT_DIR}={root} holds no conf/pipelines.yml")
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
    problems = [
        f"pipeline {name!r}: {problem}"
        for name, entry in entries.items()
        for problem in _pipeline_problems(layout, name, entry)
    ]
    if problems:
        raise ConfigError(f"conf/pipelines.yml: {'; '.join(problems)}")
    return {
        name: Pipeline(name, entry["notebook"], tuple(entry.get("requires") or ()))
        for name, entry in entries.items()
    }


def _pipeline_problems(layout: ProjectLayout, name: str, entry: Any) -> list[str]:
    if not isinstance(entry, dict) or not isinstance(entry.get("notebook"), str):
        return ["needs a `notebook`"]
    problems = problems_of(entry, PIPELINE_SETTINGS)
    notebook_file = layout.notebooks_dir / f"{entry['notebook']}.py"
    if not notebook_file.is_file():
        problems.append(f"no notebook {notebook_file}")
    return problems


PIPELINE_SETTINGS = {
    "notebook": Setting(Kind.TEXT, required=True),
    "requires": Setting(Kind.NAME_LIST, optional=True),
}
ENVIRONMENT_SETTINGS = {
    "metadata_table": Setting(Kind.TEXT, required=True),
    "max_workers": Setting(Kind.WHOLE_NUMBER, minimum=1),
    "default_timeout_seconds": Setting(Kind.WHOLE_NUMBER, minimum=1),
    "max_retries": Setting(Kind.WHOLE_NUMBER, minimum=0),
    "retry_delay_seconds": Setting(Kind.NUMBER, minimum=0),
    "lock_expiry_seconds": Setting(Kind.WHOLE_NUMBER, minimum=1),
    "catalogs": Setting(Kind.NAME_MAP, optional=True),
    "databricks": Setting(Kind.MAPPING),
}
DATABRICKS_SETTINGS = {
    "notebooks_root": Setting(Kind.TEXT, required=True),
    "existing_cluster_id": Setting(Kind.TEXT, optional=True),
    "poll_seconds": Setting(Kind.NUMBER, positive=True),
    "max_queue_seconds": Setting(Kind.NUMBER, minimum=0),
}


def load_environment(layout: ProjectLayout, name: str | None = None) -> Environment:
    raw = _read_yaml(layout.conf_dir / "environments.yml")
    environments = raw.get("environments") or {}
    chosen = name or variables.environment() or raw.get("default", "local")
    if chosen not in environments:
        known = ", ".join(sorted(environments)) or "none"
        raise ConfigError(f"conf/environments.yml: unknown environment {chosen!r} (known: {known})")
    entry = environments[chosen]
    if problems := _environment_problems(entry):
        raise ConfigError(f"conf/environments.yml: environment {chosen!r}: {'; '.join(problems)}")
    values = {key: value for key, value in entry.items() if value is not None}
    if "databricks" in values:
        values["databricks"] = DatabricksSettings(**values["databricks"])
    return Environment(name=chosen, **values)


def _environment_problems(entry: Any) -> list[str]:
    if not isinstance(entry, dict):
        return ["must be a mapping of settings"]
    problems = problems_of(entry, ENVIRONMENT_SETTINGS)
    databricks = entry.get("databricks")
    if isinstance(databricks, dict):
        problems += [f"databricks: {p}" for p in problems_of(databricks, DATABRICKS_SETTINGS)]
        root = databricks.get("notebooks_root")
        if isinstance(root, str) and not root.startswith(("/", "~/")):
            problems.append(
                f"databricks: `notebooks_root` {root!r} must be absolute (/Workspace/...) "
                "or start with ~/"
            )
    return problems


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
