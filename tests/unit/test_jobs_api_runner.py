"""The Jobs API runner through the real databricks-sdk client, against a local fake workspace."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk import clock as sdk_clock
from databricks.sdk.core import Config

from fake_databricks import FakeDatabricks, Scenario
from fakes import FakeClock
from medallion_orchestrator.errors import ConfigError
from medallion_orchestrator.execution.results import TaskStatus
from medallion_orchestrator.planning import NotebookTask
from medallion_orchestrator.runners.jobs_api import JobsApiRunner, workspace_client_from_env

TOKEN = "dapi-fake-0123456789abcdef"
ROOT = "/Workspace/Users/someone@example.com/medallion/notebooks"
DIM_LOADER = "silver/nb_silver_dim_loader"
DIM_PATH = f"{ROOT}/{DIM_LOADER}"
EXIT = json.dumps({"status": "SUCCESS", "message": "merged 3 rows", "rows_inserted": 3})


class SdkClock(sdk_clock.Clock):
    """Lets databricks-sdk's own retries sleep on the FakeClock too."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock

    def time(self) -> float:
        return self._clock.now().timestamp()

    def sleep(self, seconds: float) -> None:
        self._clock.sleep(seconds)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


@pytest.fixture
def server() -> Iterator[FakeDatabricks]:
    fake = FakeDatabricks(TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_runner(
    server: FakeDatabricks, clock: FakeClock, sdk_retry_seconds: int = 60, **options: Any
) -> JobsApiRunner:
    config = Config(
        host=server.url, token=TOKEN, clock=SdkClock(clock), retry_timeout_seconds=sdk_retry_seconds
    )
    return JobsApiRunner(WorkspaceClient(config=config), ROOT, clock=clock, **options)


def dim_task(timeout_seconds: int = 3600) -> NotebookTask:
    arguments = {"task": '{"dst_table_name": "dim_customer"}', "environment": "dev"}
    return NotebookTask("dev_silver.sales.dim_customer", DIM_LOADER, 1, timeout_seconds, arguments)


def test_success_parses_the_exit_value(server: FakeDatabricks, clock: FakeClock) -> None:
    server.scenario(DIM_PATH, Scenario(exit_value=EXIT, polls=3))

    outcome = make_runner(server, clock).run(dim_task())

    assert outcome.status is TaskStatus.SUCCESS
    assert outcome.message == "merged 3 rows"
    assert outcome.output["rows_inserted"] == 3
    assert outcome.output["run_page_url"].startswith(server.url)
    assert len(server.calls("runs/get")) == 3
    assert clock.sleeps == [10.0, 10.0]
    [output_call] = server.calls("runs/get-output")
    assert output_call.status == 200  # asked with the task's run id, as Databricks requires


def test_submits_the_notebook_its_parameters_and_timeout(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    server.scenario(DIM_PATH, Scenario(polls=1))

    make_runner(server, clock, existing_cluster_id="0101-abc").run(dim_task(timeout_seconds=900))

    [submit] = server.calls("runs/submit")
    [task] = submit.body["tasks"]
    assert submit.body["run_name"] == "medallion dev_silver.sales.dim_customer"
    assert submit.body["idempotency_token"]
    assert task["task_key"] == "dev_silver_sales_dim_customer"
    assert task["notebook_task"] == {
        "notebook_path": DIM_PATH,
        "base_parameters": dim_task().arguments,
        "source": "WORKSPACE",
    }
    assert task["timeout_seconds"] == 900
    assert task["existing_cluster_id"] == "0101-abc"


def test_serverless_when_no_cluster_is_given(server: FakeDatabricks, clock: FakeClock) -> None:
    server.scenario(DIM_PATH, Scenario(polls=1))

    outcome = make_runner(server, clock).run(dim_task())

    assert outcome.status is TaskStatus.SUCCESS
    assert outcome.message == "notebook exited without a value"
    [submit] = server.calls("runs/submit")
    assert "existing_cluster_id" not in submit.body["tasks"][0]


def test_a_failed_run_reports_its_error_and_trace(server: FakeDatabricks, clock: FakeClock) -> None:
    trace = "Traceback (most recent call last):\n  File 'loader.py', line 9\nAnalysisException"
    error = "AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] dev_bronze.sales.customers"
    server.scenario(DIM_PATH, Scenario(error=error, error_trace=trace))

    outcome = make_runner(server, clock).run(dim_task())

    assert outcome.status is TaskStatus.FAILED
    assert outcome.message == "Workload failed, see run output for details"
    assert outcome.error == f"{error}\n{trace}"
    assert outcome.output["run_page_url"]


def test_an_internal_error_fails_with_the_state_message(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    outcome = make_runner(server, clock).run(dim_task())  # no such notebook in the workspace

    assert outcome.status is TaskStatus.FAILED
    assert outcome.message == f"Notebook not found: {DIM_PATH}"


def test_a_run_that_never_ends_is_cancelled_at_the_timeout(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    server.scenario(DIM_PATH, Scenario(never_ends=True))

    outcome = make_runner(server, clock).run(dim_task(timeout_seconds=60))

    assert outcome.status is TaskStatus.TIMED_OUT
    assert "60s" in outcome.message
    [cancel] = server.calls("runs/cancel")
    assert cancel.body == {"run_id": outcome.output["databricks_run_id"]}
    assert sum(clock.sleeps) == 60
    assert clock.sleeps == [10.0] * 6


@pytest.mark.parametrize(
    ("result_state", "status", "words"),
    [
        ("TIMEDOUT", TaskStatus.TIMED_OUT, "timeout"),
        ("CANCELED", TaskStatus.FAILED, "cancelled in Databricks"),
        ("EXCLUDED", TaskStatus.FAILED, "TERMINATED/EXCLUDED"),
    ],
)
def test_other_endings_map_to_statuses(
    server: FakeDatabricks, clock: FakeClock, result_state: str, status: TaskStatus, words: str
) -> None:
    server.scenario(DIM_PATH, Scenario(result_state=result_state))

    outcome = make_runner(server, clock).run(dim_task())

    assert outcome.status is status
    assert words in outcome.message
    assert not server.calls("runs/cancel")


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_then_success(server: FakeDatabricks, clock: FakeClock, status: int) -> None:
    # databricks-sdk retries these itself, sleeping Retry-After (+ up to 1 s) on the clock.
    server.scenario(
        DIM_PATH, Scenario(exit_value=EXIT, http_errors=3, http_status=status, retry_after=5)
    )

    outcome = make_runner(server, clock).run(dim_task())

    assert outcome.status is TaskStatus.SUCCESS
    assert [call.status for call in server.calls("runs/submit")] == [status] * 3 + [200]
    assert server.runs_created == 1
    assert all(5 <= seconds < 6 for seconds in clock.sleeps[:3])


@pytest.mark.parametrize("status", [500, 502])
def test_server_errors_are_retried_by_the_runner(
    server: FakeDatabricks, clock: FakeClock, status: int
) -> None:
    server.scenario(DIM_PATH, Scenario(exit_value=EXIT, polls=1, http_errors=2, http_status=status))

    outcome = make_runner(server, clock).run(dim_task())

    assert outcome.status is TaskStatus.SUCCESS
    assert [call.status for call in server.calls("runs/submit")] == [status, status, 200]
    assert server.runs_created == 1  # the same idempotency token on every attempt
    assert 2 <= clock.sleeps[0] < 3
    assert 4 <= clock.sleeps[1] < 5


def test_endless_throttling_gives_up_after_a_bounded_number_of_calls(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    server.scenario(DIM_PATH, Scenario(http_errors=10_000, retry_after=4))
    runner = make_runner(server, clock, sdk_retry_seconds=10, max_api_retries=2)

    with pytest.raises(TimeoutError):
        runner.run(dim_task())

    # 3 runner attempts x 3 SDK attempts (at 0 s, ~4 s, ~8 s of its 10 s budget)
    assert len(server.calls("runs/submit")) == 9
    assert server.runs_created == 0


def test_the_token_is_never_logged_nor_reported(
    server: FakeDatabricks, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.scenario(DIM_PATH, Scenario(error="boom", http_errors=1, http_status=500))

    outcome = make_runner(server, clock).run(dim_task())

    assert "GET /api/2.2/jobs/runs/get" in caplog.text  # the SDK's request log was captured
    assert "retry 1/3" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(outcome)
    assert all(request.authorized for request in server.requests if "jobs" in request.path)


def test_a_wrong_token_is_refused(server: FakeDatabricks, clock: FakeClock) -> None:
    config = Config(host=server.url, token="dapi-wrong", clock=SdkClock(clock))
    runner = JobsApiRunner(WorkspaceClient(config=config), ROOT, clock=clock)

    with pytest.raises(Exception, match="Invalid access token") as raised:
        runner.run(dim_task())

    assert "dapi-wrong" not in str(raised.value)
    assert not server.calls("runs/submit")[0].authorized


def test_no_client_when_nothing_is_configured() -> None:
    assert workspace_client_from_env(None) is None


def test_a_client_from_host_and_token_env_vars(
    server: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", server.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN)

    client = workspace_client_from_env(None)

    assert client is not None
    assert client.config.host == server.url
    assert client.config.auth_type == "pat"


def test_a_client_from_a_profile(server: FakeDatabricks, tmp_path: Path) -> None:
    profile = f"[dev]\nhost = {server.url}\ntoken = {TOKEN}\n"
    (tmp_path / ".databrickscfg").write_text(profile, encoding="utf-8")

    client = workspace_client_from_env("dev")

    assert client is not None
    assert client.config.host == server.url


def test_half_a_configuration_is_an_error(
    server: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", server.url)  # no credentials

    with pytest.raises(ConfigError, match="incomplete"):
        workspace_client_from_env(None)
    with pytest.raises(ConfigError):
        workspace_client_from_env("missing")
