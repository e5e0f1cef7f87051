"""Choosing the runner: dbutils in a Databricks notebook -> Jobs API -> local, or a forced one."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from fake_databricks import FakeDatabricks, Scenario
from fakes import FakeDbutils
from medallion_orchestrator.application import Application
from medallion_orchestrator.cli import main
from medallion_orchestrator.errors import ConfigError
from medallion_orchestrator.execution.results import TaskOutcome, TaskStatus
from medallion_orchestrator.planning import NotebookTask
from medallion_orchestrator.project import ProjectLayout
from medallion_orchestrator.runners.chain import RunnerUnavailable, choose_runner
from medallion_orchestrator.runners.dbutils_runner import DbutilsNotebookRunner
from medallion_orchestrator.runners.engine_runner import LocalNotebookRunner
from medallion_orchestrator.runners.jobs_api import JobsApiRunner

TOKEN = "dapi-chain-0123456789abcdef"
ROOT = "/Workspace/Shared/medallion/notebooks"
ENVIRONMENTS = f"""\
default: local
environments:
  local:
    metadata_table: dev_silver.metadata.execution_table
  dev:
    metadata_table: dev_silver.metadata.execution_table
    databricks:
      notebooks_root: {ROOT}
      poll_seconds: 0.01
  pinned:
    metadata_table: dev_silver.metadata.execution_table
    databricks:
      notebooks_root: {ROOT}
      existing_cluster_id: 0101-configured
      poll_seconds: 0.01
  mine:
    metadata_table: dev_silver.metadata.execution_table
    databricks:
      notebooks_root: ~/.bundle/medallion_orchestrator/dev/files/notebooks/
"""


class NoEngine:
    """Stands in for the local notebook engine, so no test here starts Spark."""


@pytest.fixture(autouse=True)
def no_databricks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine with no Databricks configuration at all, as CI and most laptops are."""
    for name in list(os.environ):
        if name.startswith(("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_", "MEDALLION_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


@pytest.fixture
def project(tmp_path: Path) -> ProjectLayout:
    root = tmp_path / "project"
    (root / "conf").mkdir(parents=True)
    (root / "conf" / "pipelines.yml").write_text(
        "pipelines:\n  scd1:\n    notebook: silver/nb_silver_dim_loader\n", encoding="utf-8"
    )
    (root / "conf" / "environments.yml").write_text(ENVIRONMENTS, encoding="utf-8")
    return ProjectLayout(root)


@pytest.fixture
def server() -> Iterator[FakeDatabricks]:
    fake = FakeDatabricks(TOKEN).start()
    yield fake
    fake.stop()


def make_app(
    project: ProjectLayout, environment: str = "local", profile: str | None = None, **parts: Any
) -> Application:
    return Application(environment_name=environment, databricks_profile=profile).replace(
        layout=project, engine=NoEngine(), **parts
    )


def credentials_for(server: FakeDatabricks, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", server.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN)


def inside_a_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "15.4")


def stub_client(user: str) -> Any:
    """Just what the chain asks of a WorkspaceClient: who is calling, and the config."""
    me = SimpleNamespace(user_name=user)
    return SimpleNamespace(
        current_user=SimpleNamespace(me=lambda: me),
        config=SimpleNamespace(host="https://example.cloud.databricks.com", cluster_id=None),
    )


# auto: the first strategy that applies


def test_auto_is_local_with_no_databricks_configuration(project: ProjectLayout) -> None:
    for environment in ("local", "dev"):
        runner = make_app(project, environment).runner

        assert isinstance(runner, LocalNotebookRunner)
        assert isinstance(runner.engine, NoEngine)


def test_auto_is_local_in_an_environment_without_databricks_settings(
    project: ProjectLayout, server: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials_for(server, monkeypatch)  # a laptop with a workspace configured...

    runner = make_app(project, "local").runner  # ...running the local environment

    assert isinstance(runner, LocalNotebookRunner)
    assert not server.requests


def test_auto_uses_the_jobs_api_with_credentials_and_databricks_settings(
    project: ProjectLayout, server: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials_for(server, monkeypatch)
    exit_value = json.dumps({"status": "SUCCESS", "message": "merged 2 rows"})
    server.scenario(f"{ROOT}/silver/nb_silver_dim_loader", Scenario(exit_value, polls=2))

    runner = make_app(project, "dev").runner
    task = NotebookTask("dev_silver.shop.customers", "silver/nb_silver_dim_loader", 1, 60)
    outcome = runner.run(task)

    assert isinstance(runner, JobsApiRunner)
    assert (outcome.status, outcome.message) == (TaskStatus.SUCCESS, "merged 2 rows")
    [submit] = server.calls("runs/submit")
    assert "existing_cluster_id" not in submit.body["tasks"][0]  # serverless


def test_auto_uses_the_jobs_api_with_a_profile(
    project: ProjectLayout, server: FakeDatabricks, tmp_path: Path
) -> None:
    profile = f"[dev]\nhost = {server.url}\ntoken = {TOKEN}\ncluster_id = 0202-profile\n"
    (tmp_path / ".databrickscfg").write_text(profile, encoding="utf-8")

    runner = make_app(project, "dev", profile="dev").runner

    assert isinstance(runner, JobsApiRunner)
    runner.run(NotebookTask("k", "silver/nb_silver_dim_loader", 1, 60))
    [submit] = server.calls("runs/submit")
    assert submit.body["tasks"][0]["existing_cluster_id"] == "0202-profile"


def test_auto_uses_dbutils_inside_a_databricks_notebook(
    project: ProjectLayout, server: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside_a_notebook(monkeypatch)
    credentials_for(server, monkeypatch)  # a notebook has credentials too: dbutils comes first
    dbutils = FakeDbutils(default='{"status": "SUCCESS", "message": "ok"}')

    runner = make_app(project, "dev", dbutils=dbutils).runner
    outcome = runner.run(NotebookTask("k", "silver/nb_silver_dim_loader", 1, 60))

    assert isinstance(runner, DbutilsNotebookRunner)
    assert outcome.status is TaskStatus.SUCCESS
    assert dbutils.notebook.calls[0][0] == "../silver/nb_silver_dim_loader"
    assert not server.requests


def test_on_databricks_without_a_notebook_the_chain_moves_on(
    project: ProjectLayout, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside_a_notebook(monkeypatch)  # e.g. a job's Python script: no dbutils to run notebooks

    assert isinstance(make_app(project).runner, LocalNotebookRunner)


def test_a_given_runner_wins_over_the_chain(
    project: ProjectLayout, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside_a_notebook(monkeypatch)
    given = SimpleNamespace(run=lambda task: TaskOutcome(TaskStatus.SUCCESS, "given"))

    app = make_app(project, dbutils=FakeDbutils(), runner=given)

    assert app.runner is given


# forcing one


def test_forcing_local_inside_a_notebook(
    project: ProjectLayout, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside_a_notebook(monkeypatch)

    runner = choose_runner(make_app(project, dbutils=FakeDbutils()).runner_parts(), "local")

    assert isinstance(runner, LocalNotebookRunner)


def test_forcing_jobs_in_an_environment_without_databricks_settings(
    project: ProjectLayout,
) -> None:
    with pytest.raises(RunnerUnavailable, match=r"--runner jobs .* environment 'local' has no"):
        choose_runner(make_app(project, "local").runner_parts(), "jobs")


def test_forcing_jobs_without_credentials_names_what_is_missing(project: ProjectLayout) -> None:
    with pytest.raises(RunnerUnavailable) as raised:
        choose_runner(make_app(project, "dev").runner_parts(), "jobs")

    message = str(raised.value)
    assert "no Databricks configuration found" in message
    assert "DATABRICKS_HOST" in message
    assert "DATABRICKS_TOKEN" in message
    assert "~/.databrickscfg" in message


def test_half_a_configuration_is_an_error_even_in_auto(
    project: ProjectLayout, server: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", server.url)  # and no token

    with pytest.raises(ConfigError, match="incomplete"):
        make_app(project, "dev").runner  # noqa: B018


def test_forcing_dbutils_outside_a_notebook(project: ProjectLayout) -> None:
    with pytest.raises(RunnerUnavailable, match="DATABRICKS_RUNTIME_VERSION is not set"):
        choose_runner(make_app(project).runner_parts(), "dbutils")


def test_a_notebooks_own_dbutils_runs_the_tasks_off_databricks_too(project: ProjectLayout) -> None:
    """The orchestrator notebook in the local engine gives its dbutils, as on Databricks."""
    dbutils = FakeDbutils()

    runner = make_app(project, dbutils=dbutils).runner

    assert isinstance(runner, DbutilsNotebookRunner)
    assert runner.dbutils is dbutils


def test_forcing_dbutils_on_databricks_without_a_notebook(
    project: ProjectLayout, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside_a_notebook(monkeypatch)

    with pytest.raises(RunnerUnavailable, match="not in a notebook: no dbutils"):
        choose_runner(make_app(project).runner_parts(), "dbutils")


def test_an_unknown_runner(project: ProjectLayout) -> None:
    with pytest.raises(RunnerUnavailable, match=r"unknown runner 'spark' \(choose from auto"):
        choose_runner(make_app(project).runner_parts(), "spark")


# what the Jobs API runner is given


def test_a_home_relative_notebooks_root_is_the_callers_home(project: ProjectLayout) -> None:
    client = stub_client(user="ana@example.com")

    runner = choose_runner(
        make_app(project, "mine", workspace_client=client).runner_parts(), "jobs"
    )

    assert isinstance(runner, JobsApiRunner)
    task = NotebookTask("k", "gold/nb_gold_sql_loader", 1, 60)
    home = "/Workspace/Users/ana@example.com"
    files = f"{home}/.bundle/medallion_orchestrator/dev/files"
    assert runner.notebook_path(task) == f"{files}/notebooks/gold/nb_gold_sql_loader"


def test_the_environments_cluster_comes_before_the_profiles(
    project: ProjectLayout, server: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials_for(server, monkeypatch)
    monkeypatch.setenv("DATABRICKS_CLUSTER_ID", "0303-from-env")

    make_app(project, "pinned").runner.run(NotebookTask("k", "x/y", 1, 60))
    make_app(project, "dev").runner.run(NotebookTask("k", "x/y", 1, 60))

    clusters = [
        call.body["tasks"][0]["existing_cluster_id"] for call in server.calls("runs/submit")
    ]
    assert clusters == ["0101-configured", "0303-from-env"]


# the command line


def test_the_cli_stops_before_any_work_when_a_forced_runner_cannot_apply(
    project: ProjectLayout,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("MEDALLION_PROJECT_DIR", str(project.root))
    home = tmp_path / "lakehouse"

    code = main(["run", "--home", str(home), "--env", "dev", "--layer", "x", "--runner", "jobs"])

    assert code == 2
    assert "--runner jobs cannot be used: no Databricks configuration found" in (
        capsys.readouterr().err
    )
    assert not home.exists()  # no Spark session was started


@pytest.mark.parametrize("command", [["run", "--layer", "x"], ["demo"]])
def test_the_cli_passes_runner_and_profile(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Application] = []

    def stop(app: Application, args: object) -> int:
        seen.append(app)
        return 0

    monkeypatch.setattr(f"medallion_orchestrator.cli._{command[0]}", stop)

    assert main([*command, "--runner", "local", "--profile", "dev"]) == 0
    assert main(command) == 0
    assert [(app.runner_choice, app.databricks_profile) for app in seen] == [
        ("local", "dev"),
        ("auto", None),
    ]
