"""Which runner runs the tasks, chosen the way databricks-sdk chooses credentials.

Each strategy takes the parts it needs (`RunnerParts`, each made only when asked for, as
databricks-sdk's strategies take a `Config`) and returns a runner or raises NotApplicable saying
what is missing. `auto` takes the first that applies: in a notebook (its dbutils given, or on
Databricks the runtime's) -> `dbutils.notebook.run`; an environment with Databricks settings and
credentials (databricks-sdk's unified auth) -> the Jobs API; otherwise -> local. Naming a strategy
forces it, and one that cannot apply is an error that says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medallion_orchestrator.clock import Clock
from medallion_orchestrator.errors import ConfigError
from medallion_orchestrator.runtime.databricks_runtime import RUNTIME_VERSION_ENV, on_databricks

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

    from medallion_orchestrator.notebook_engine.engine import LocalNotebookEngine
    from medallion_orchestrator.project import Environment
    from medallion_orchestrator.runners.base import Runner

logger = logging.getLogger(__name__)
AUTO = "auto"


@dataclass(frozen=True)
class RunnerParts:
    """What the strategies build a runner from; each part is made only when one asks for it."""

    dbutils: Callable[[], Any | None]
    environment: Callable[[], Environment]
    workspace_client: Callable[[], WorkspaceClient | None]
    engine: Callable[[], LocalNotebookEngine]
    user_catalogs: Callable[[], set[str]]
    clock: Clock


class NotApplicable(Exception):
    """A strategy does not apply here; its message says what is missing."""


class RunnerUnavailable(ConfigError):
    """The runner that was asked for cannot run here."""


def in_a_notebook(parts: RunnerParts) -> Runner:
    """The notebook's own dbutils: given by the notebook (the orchestrator's, on Databricks or in
    the local engine), else the runtime's on Databricks."""
    dbutils = parts.dbutils()
    if dbutils is None and not on_databricks():
        raise NotApplicable(
            f"not in a notebook: not on Databricks ({RUNTIME_VERSION_ENV} is not set)"
        )
    if dbutils is None:
        raise NotApplicable("on Databricks, but not in a notebook: no dbutils")
    from medallion_orchestrator.runners.dbutils_runner import DbutilsNotebookRunner

    # Relative to the calling notebook, which sits in a folder under notebooks/.
    return DbutilsNotebookRunner(dbutils, notebooks_root="..")


def jobs_api(parts: RunnerParts) -> Runner:
    environment = parts.environment()
    settings = environment.databricks
    if settings is None:
        raise NotApplicable(
            f"environment {environment.name!r} has no `databricks:` settings "
            "(notebooks_root, ...) in conf/environments.yml; choose one that has, e.g. --env dev"
        )
    client = parts.workspace_client()
    if client is None:
        raise NotApplicable(
            "no Databricks configuration found: set DATABRICKS_HOST and DATABRICKS_TOKEN, "
            "or a profile in ~/.databrickscfg (--profile NAME or DATABRICKS_CONFIG_PROFILE)"
        )
    from medallion_orchestrator.runners.jobs_api import JobsApiRunner

    root = workspace_path(client, settings.notebooks_root)
    cluster = settings.existing_cluster_id or client.config.cluster_id or None
    compute = f"cluster {cluster}" if cluster else "serverless compute"
    logger.info("tasks run as Databricks jobs on %s: %s, %s", client.config.host, root, compute)
    return JobsApiRunner(
        client,
        root,
        existing_cluster_id=cluster,
        poll_seconds=settings.poll_seconds,
        clock=parts.clock,
        max_queue_seconds=settings.max_queue_seconds,
    )


def local(parts: RunnerParts) -> Runner:
    from medallion_orchestrator.runners.engine_runner import LocalNotebookRunner
    from medallion_orchestrator.runtime.user_names import user_names

    return LocalNotebookRunner(parts.engine(), lambda text: user_names(text, parts.user_catalogs()))


Strategy = Callable[[RunnerParts], "Runner"]
STRATEGIES: dict[str, Strategy] = {
    "dbutils": in_a_notebook,
    "jobs": jobs_api,
    "local": local,
}
RUNNER_CHOICES = (AUTO, *STRATEGIES)


def choose_runner(parts: RunnerParts, choice: str = AUTO) -> Runner:
    """The forced strategy, or with `auto` the first one that applies."""
    if choice != AUTO:
        if choice not in STRATEGIES:
            raise RunnerUnavailable(
                f"unknown runner {choice!r} (choose from {', '.join(RUNNER_CHOICES)})"
            )
        try:
            return STRATEGIES[choice](parts)
        except NotApplicable as reason:
            raise RunnerUnavailable(f"--runner {choice} cannot be used: {reason}") from None
    for name, strategy in STRATEGIES.items():
        try:
            runner = strategy(parts)
        except NotApplicable as reason:
            logger.debug("runner %s does not apply: %s", name, reason)
            continue
        logger.debug("runner: %s", name)
        return runner
    raise AssertionError("the local strategy always applies")


def workspace_path(client: WorkspaceClient, path: str) -> str:
    """`~/x` as bundles mean it: /Workspace/Users/<the caller>/x."""
    if not path.startswith("~/"):
        return path.rstrip("/")
    user = client.current_user.me().user_name
    return f"/Workspace/Users/{user}/{path.removeprefix('~/').rstrip('/')}"
