"""Which runner runs the tasks, chosen the way databricks-sdk chooses credentials.

Each strategy returns a runner or raises NotApplicable saying what is missing. `auto` takes the
first that applies: inside a Databricks notebook -> `dbutils.notebook.run`; an environment with
Databricks settings and credentials (databricks-sdk's unified auth) -> the Jobs API; otherwise
-> local. Naming a strategy forces it, and one that cannot apply is an error that says why.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from medallion_orchestrator.errors import ConfigError

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

    from medallion_orchestrator.application import Application
    from medallion_orchestrator.runners.base import Runner

logger = logging.getLogger(__name__)
RUNTIME_VERSION_ENV = "DATABRICKS_RUNTIME_VERSION"
AUTO = "auto"


class NotApplicable(Exception):
    """A strategy does not apply here; its message says what is missing."""


class RunnerUnavailable(ConfigError):
    """The runner that was asked for cannot run here."""


def in_databricks_notebook(app: Application) -> Runner:
    if RUNTIME_VERSION_ENV not in os.environ:
        raise NotApplicable(f"not on Databricks ({RUNTIME_VERSION_ENV} is not set)")
    if app.dbutils is None:
        raise NotApplicable("on Databricks, but not in a notebook: no dbutils")
    from medallion_orchestrator.runners.dbutils_runner import DbutilsNotebookRunner

    # Relative to the calling notebook, which sits in a folder under notebooks/.
    return DbutilsNotebookRunner(app.dbutils, notebooks_root="..")


def jobs_api(app: Application) -> Runner:
    settings = app.environment.databricks
    if settings is None:
        raise NotApplicable(
            f"environment {app.environment.name!r} has no `databricks:` settings "
            "(notebooks_root, ...) in conf/environments.yml; choose one that has, e.g. --env dev"
        )
    client = app.workspace_client
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
        clock=app.clock,
        max_queue_seconds=settings.max_queue_seconds,
    )


def local(app: Application) -> Runner:
    from medallion_orchestrator.runners.local import LocalNotebookRunner
    from medallion_orchestrator.runtime.user_names import user_names

    return LocalNotebookRunner(app.engine, lambda text: user_names(text, app.user_catalogs()))


Strategy = Callable[["Application"], "Runner"]
STRATEGIES: dict[str, Strategy] = {
    "dbutils": in_databricks_notebook,
    "jobs": jobs_api,
    "local": local,
}
RUNNER_CHOICES = (AUTO, *STRATEGIES)


def choose_runner(app: Application, choice: str = AUTO) -> Runner:
    """The forced strategy, or with `auto` the first one that applies."""
    if choice != AUTO:
        if choice not in STRATEGIES:
            raise RunnerUnavailable(
                f"unknown runner {choice!r} (choose from {', '.join(RUNNER_CHOICES)})"
            )
        try:
            return STRATEGIES[choice](app)
        except NotApplicable as reason:
            raise RunnerUnavailable(f"--runner {choice} cannot be used: {reason}") from None
    for name, strategy in STRATEGIES.items():
        try:
            runner = strategy(app)
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


def notebook_dbutils() -> Any | None:
    """The notebook's `dbutils` when this process is a Databricks notebook's; None elsewhere."""
    if RUNTIME_VERSION_ENV not in os.environ:
        return None
    try:
        from databricks.sdk import runtime
    except Exception as error:  # an unusual runtime: no notebook globals to offer
        logger.debug("databricks.sdk.runtime unavailable: %s", error)
        return None
    if runtime.is_local_implementation:
        return None
    return getattr(runtime, "dbutils", None)
