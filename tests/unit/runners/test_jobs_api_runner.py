"""The Jobs API runner through the real databricks-sdk client, against a local fake workspace."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient, errors
from databricks.sdk.core import Config
from databricks.sdk.service import jobs

from fake_databricks import FakeDatabricks, Scenario
from fake_databricks.server import QUEUE_REASONS, Reports
from fakes import ConcurrentAppendException, FakeClock
from medallion_orchestrator.errors import ConfigError, LoadError
from medallion_orchestrator.execution.results import TaskStatus
from medallion_orchestrator.exit_contract import failure_value, success_value
from medallion_orchestrator.planning import NotebookTask
from medallion_orchestrator.runners.jobs_api import (
    MAX_ERROR_CHARS,
    JobsApiRunner,
    SdkClock,
    workspace_client_from_env,
)
from medallion_orchestrator.runners.retrying import RetryingRunner, RetryPolicy
from medallion_orchestrator.tasks import LoadReport

TOKEN = "dapi-fake-0123456789abcdef"
ROOT = "/Workspace/Users/someone@example.com/medallion/notebooks"
DIM_LOADER = "silver/nb_silver_dim_loader"
DIM_PATH = f"{ROOT}/{DIM_LOADER}"
EXIT = json.dumps({"status": "SUCCESS", "message": "merged 3 rows", "rows_inserted": 3})
REPORTS: list[Reports] = [
    "both",
    "status",
    "state",
]  # what runs/get answers with: today, newer, older workspaces
QUEUED = QUEUE_REASONS["ACTIVE_RUNS_LIMIT_REACHED"]


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


def make_client(server: FakeDatabricks, clock: FakeClock, sdk_retry_seconds: int = 60) -> Any:
    config = Config(
        host=server.url, token=TOKEN, clock=SdkClock(clock), retry_timeout_seconds=sdk_retry_seconds
    )
    return WorkspaceClient(config=config)


def make_runner(
    server: FakeDatabricks, clock: FakeClock, sdk_retry_seconds: int = 60, **options: Any
) -> JobsApiRunner:
    client = make_client(server, clock, sdk_retry_seconds)
    return JobsApiRunner(client, ROOT, clock=clock, **options)


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
    [submit] = server.calls("runs/submit")
    assert "existing_cluster_id" not in submit.body["tasks"][0]


def test_a_failed_run_reports_its_error_and_trace(server: FakeDatabricks, clock: FakeClock) -> None:
    trace = "Traceback (most recent call last):\n  File 'loader.py', line 9\nAnalysisException"
    error = "AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] dev_bronze.sales.customers\nmore text"
    server.scenario(DIM_PATH, Scenario(error=error, error_trace=trace))

    outcome = make_runner(server, clock).run(dim_task())

    assert outcome.status is TaskStatus.FAILED
    assert (
        outcome.message == "AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] dev_bronze.sales.customers"
    )
    assert outcome.error == trace
    assert (outcome.error_class, outcome.transient) == ("AnalysisException", False)
    assert outcome.output["run_page_url"]
    [output_call] = server.calls("runs/get-output")
    assert output_call.status == 200  # the task's run id, not the run's


def test_a_raised_delta_conflict_is_transient(server: FakeDatabricks, clock: FakeClock) -> None:
    error = (
        "[DELTA_CONCURRENT_APPEND.WITHOUT_HINT] ConcurrentAppendException: Files were added to "
        "the root of the table by a concurrent update. Please try the operation again."
    )
    server.scenario(DIM_PATH, Scenario(error=error, error_trace="Traceback ...\n" + error))

    outcome = make_runner(server, clock).run(dim_task())

    assert outcome.status is TaskStatus.FAILED
    assert (outcome.error_class, outcome.transient) == (
        "DELTA_CONCURRENT_APPEND.WITHOUT_HINT",
        True,
    )


CONFLICT = "Files were added to the root of the table by a concurrent update. Try again."


def retrying(server: FakeDatabricks, clock: FakeClock, retries: int = 2) -> RetryingRunner:
    policy = RetryPolicy(max_retries=retries, first_delay_seconds=30)
    return RetryingRunner(make_runner(server, clock), policy, clock)


def test_a_notebook_that_reports_a_transient_failure_is_run_again(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    # The task ends SUCCESS in Databricks: the loader caught its error and exited with it.
    failed = failure_value(ConcurrentAppendException(CONFLICT))
    loaded = success_value(LoadReport("dev_silver.sales.dim_customer", 3, 7, "merged 3 rows"))
    server.scenario(DIM_PATH, Scenario(exit_value=failed), Scenario(exit_value=loaded))

    outcome = retrying(server, clock).run(dim_task())

    assert (outcome.status, outcome.attempts, server.runs_created) == (TaskStatus.SUCCESS, 2, 2)
    assert outcome.load == LoadReport("dev_silver.sales.dim_customer", 3, 7, "merged 3 rows")
    assert 30.0 in clock.sleeps  # the retry policy's wait between the two runs


def test_a_transient_failure_reported_every_time_ends_failed_with_its_cause(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    server.scenario(
        DIM_PATH, Scenario(exit_value=failure_value(ConcurrentAppendException(CONFLICT)))
    )

    outcome = retrying(server, clock, retries=2).run(dim_task())

    assert (outcome.status, outcome.attempts, server.runs_created) == (TaskStatus.FAILED, 3, 3)
    assert (outcome.error_class, outcome.message, outcome.transient) == (
        "ConcurrentAppendException",
        f"ConcurrentAppendException: {CONFLICT}",
        True,
    )
    assert outcome.error is not None and f"ConcurrentAppendException: {CONFLICT}" in outcome.error
    assert outcome.output["run_page_url"].startswith(server.url)


def test_a_notebook_that_reports_a_permanent_failure_is_not_run_again(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    error = LoadError("dev_silver.sales.dim_customer: NULL in key column id (2 row(s))")
    server.scenario(DIM_PATH, Scenario(exit_value=failure_value(error)))

    outcome = retrying(server, clock).run(dim_task())

    assert (outcome.status, outcome.attempts, server.runs_created) == (TaskStatus.FAILED, 1, 1)
    assert (outcome.error_class, outcome.message, outcome.transient) == (
        "LoadError",
        "LoadError: dev_silver.sales.dim_customer: NULL in key column id (2 row(s))",
        False,
    )


def test_a_failed_tasks_long_trace_is_bounded(server: FakeDatabricks, clock: FakeClock) -> None:
    trace = "Traceback (most recent call last):\n" + "x" * 200_000 + "\nValueError: the cause"
    server.scenario(DIM_PATH, Scenario(error="ValueError: the cause", error_trace=trace))

    outcome = make_runner(server, clock).run(dim_task())

    assert outcome.error is not None
    assert len(outcome.error) < MAX_ERROR_CHARS + 100
    assert outcome.error.startswith("Traceback (most recent call last):")
    assert outcome.error.endswith("ValueError: the cause")
    assert "characters cut" in outcome.error


@pytest.mark.parametrize("reports", REPORTS)
def test_a_missing_notebook_fails_naming_the_state_and_message(
    server: FakeDatabricks, clock: FakeClock, reports: Reports
) -> None:
    outcome = make_runner(server, clock).run(dim_task())  # no such notebook in the workspace

    assert outcome.status is TaskStatus.FAILED
    assert outcome.message.endswith(f": Notebook not found: {DIM_PATH}")
    assert "INTERNAL_ERROR" in outcome.message or "RESOURCE_NOT_FOUND" in outcome.message


def test_a_run_that_never_ends_is_cancelled_at_the_timeout(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    server.scenario(DIM_PATH, Scenario(steps=("RUNNING",), never_ends=True))

    outcome = make_runner(server, clock).run(dim_task(timeout_seconds=60))

    assert outcome.status is TaskStatus.TIMED_OUT
    assert "60s" in outcome.message
    [cancel] = server.calls("runs/cancel")
    assert cancel.body == {"run_id": outcome.output["databricks_run_id"]}
    assert sum(clock.sleeps) == 60
    assert clock.sleeps == [10.0] * 6


@pytest.mark.parametrize("reports", REPORTS)
def test_the_run_is_read_from_status_or_else_from_the_deprecated_state(
    server: FakeDatabricks, clock: FakeClock, reports: Reports
) -> None:
    server.scenario(DIM_PATH, Scenario(exit_value=EXIT, reports=reports))

    outcome = make_runner(server, clock).run(dim_task(timeout_seconds=600))

    assert (outcome.status, outcome.message) == (TaskStatus.SUCCESS, "merged 3 rows")
    assert len(server.calls("runs/get")) == 3  # PENDING, RUNNING, TERMINATED: not polled to 600 s
    run = make_client(server, clock).jobs.get_run(outcome.output["databricks_run_id"])
    assert (run.state is not None, run.status is not None) == (
        reports != "status",
        reports != "state",
    )


@pytest.mark.parametrize("reports", REPORTS)
def test_a_task_that_timed_out_is_timed_out_though_its_run_says_failed(
    server: FakeDatabricks, clock: FakeClock, reports: Reports
) -> None:
    said = "Task dev_silver_sales_dim_customer timed out after 900 seconds."
    scenario = Scenario(result_state="TIMEDOUT", state_message=said, reports=reports)
    server.scenario(DIM_PATH, scenario)

    outcome = make_runner(server, clock).run(dim_task(timeout_seconds=900))

    assert outcome.status is TaskStatus.TIMED_OUT
    assert outcome.message == f"Databricks stopped the task at its timeout (TIMEDOUT): {said}"
    run = make_client(server, clock).jobs.get_run(outcome.output["databricks_run_id"])
    [task] = run.tasks or []
    assert task.timeout_seconds == 900
    if reports != "state":  # what `status` says of a timeout, as databricks-sdk documents it
        assert task.status is not None and task.status.termination_details is not None
        details = task.status.termination_details
        assert (details.code, details.type) == (
            jobs.TerminationCodeCode.CANCELED,
            jobs.TerminationTypeType.CLIENT_ERROR,
        )
    if reports != "status":
        assert run.state is not None and run.state.result_state is not None
        assert run.state.result_state.value == "FAILED"  # the run's own state: not the task's
    assert not server.calls("runs/cancel")


def test_a_task_without_a_timeout_cancelled_by_databricks_is_a_failure(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    scenario = Scenario(result_state="CANCELED", termination_code="CANCELED", reports="status")
    server.scenario(DIM_PATH, scenario)

    outcome = make_runner(server, clock).run(dim_task(timeout_seconds=0))

    assert outcome.status is TaskStatus.FAILED
    assert outcome.message.startswith("the run was cancelled in Databricks (CANCELED)")


SAID = "what Databricks said"
ENDINGS = [  # what runs/get answers with, how the task ended, the start of the failure's message
    ("state", {"result_state": "CANCELED"}, "the run was cancelled in Databricks (CANCELED)"),
    ("both", {"result_state": "CANCELED"}, "the run was cancelled in Databricks (USER_CANCELED)"),
    ("state", {"result_state": "EXCLUDED"}, "Databricks did not run the task (EXCLUDED)"),
    ("status", {"result_state": "EXCLUDED"}, "Databricks did not run the task (SKIPPED)"),
    ("state", {"life_cycle_state": "SKIPPED"}, "Databricks did not run the task (SKIPPED)"),
    ("status", {"life_cycle_state": "SKIPPED"}, "Databricks did not run the task (SKIPPED)"),
    ("state", {"life_cycle_state": "INTERNAL_ERROR"}, "Databricks run ended INTERNAL_ERROR"),
    ("status", {"life_cycle_state": "INTERNAL_ERROR"}, "Databricks run ended INTERNAL_ERROR"),
]


@pytest.mark.parametrize(("reports", "ending", "words"), ENDINGS)
def test_other_endings_are_failures_naming_the_state_and_message(
    server: FakeDatabricks, clock: FakeClock, reports: Reports, ending: dict[str, str], words: str
) -> None:
    server.scenario(DIM_PATH, Scenario(state_message=SAID, reports=reports, **ending))

    outcome = make_runner(server, clock).run(dim_task())

    assert (outcome.status, outcome.message) == (TaskStatus.FAILED, f"{words}: {SAID}")
    assert not server.calls("runs/cancel")


@pytest.mark.parametrize("reports", REPORTS)
def test_a_failed_task_without_an_error_reports_the_state_message(
    server: FakeDatabricks, clock: FakeClock, reports: Reports
) -> None:
    server.scenario(DIM_PATH, Scenario(result_state="FAILED", state_message=SAID, reports=reports))

    outcome = make_runner(server, clock).run(dim_task())

    assert (outcome.status, outcome.message) == (TaskStatus.FAILED, SAID)


def test_a_truncated_exit_value_is_a_failure_that_says_so(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    # The cut-off value still starts like a success: it must not be read as one.
    server.scenario(DIM_PATH, Scenario(exit_value=EXIT, output_limit=30))

    outcome = make_runner(server, clock).run(dim_task())

    assert outcome.status is TaskStatus.FAILED
    assert "truncated" in outcome.message
    assert outcome.error == EXIT[:30]


def test_queue_time_does_not_count_against_the_timeout(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    steps = ("QUEUED",) * 6 + ("PENDING", "BLOCKED", "RUNNING", "RUNNING")
    server.scenario(DIM_PATH, Scenario(exit_value=EXIT, steps=steps))

    outcome = make_runner(server, clock).run(dim_task(timeout_seconds=30))

    assert (outcome.status, outcome.message) == (TaskStatus.SUCCESS, "merged 3 rows")
    assert sum(clock.sleeps) == 100  # 80 s waiting to start, then 20 s running, within 30 s
    assert not server.calls("runs/cancel")


@pytest.mark.parametrize("reports", REPORTS)
def test_a_run_stuck_in_the_queue_is_cancelled_at_the_queue_limit_naming_why(
    server: FakeDatabricks, clock: FakeClock, reports: Reports
) -> None:
    server.scenario(DIM_PATH, Scenario(steps=("QUEUED",), never_ends=True, reports=reports))

    outcome = make_runner(server, clock, max_queue_seconds=120).run(dim_task(timeout_seconds=30))

    assert outcome.status is TaskStatus.FAILED
    run_id = outcome.output["databricks_run_id"]
    assert outcome.message == (
        f"Databricks run {run_id} did not start within 120s (QUEUED: {QUEUED}); cancelled"
    )
    assert sum(clock.sleeps) == 120
    [cancel] = server.calls("runs/cancel")
    assert cancel.body == {"run_id": run_id}


def test_why_a_run_waits_is_logged_when_it_changes(
    server: FakeDatabricks, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="medallion_orchestrator.runners.jobs_api")
    steps = ("QUEUED", "QUEUED", "PENDING", "RUNNING")
    server.scenario(DIM_PATH, Scenario(exit_value=EXIT, steps=steps))

    make_runner(server, clock).run(dim_task())

    states = [r.getMessage() for r in caplog.records if " is " in r.getMessage()]
    assert states == [
        f"dev_silver.sales.dim_customer: Databricks run 1000 is QUEUED: {QUEUED}",
        "dev_silver.sales.dim_customer: Databricks run 1000 is PENDING: Waiting for cluster",
        "dev_silver.sales.dim_customer: Databricks run 1000 is RUNNING: In run",
        "dev_silver.sales.dim_customer: Databricks run 1000 is TERMINATED",
    ]


@pytest.mark.parametrize("reports", REPORTS)
@pytest.mark.parametrize(
    "waiting", ["QUEUED", "PENDING", "BLOCKED", "WAITING_FOR_RETRY", "TERMINATING"]
)
def test_every_life_cycle_state_is_waited_through(
    server: FakeDatabricks, clock: FakeClock, reports: Reports, waiting: str
) -> None:
    steps = ("RUNNING", waiting, waiting, "RUNNING")
    server.scenario(DIM_PATH, Scenario(exit_value=EXIT, steps=steps, reports=reports))

    outcome = make_runner(server, clock).run(dim_task())

    assert (outcome.status, outcome.message) == (TaskStatus.SUCCESS, "merged 3 rows")
    assert len(server.calls("runs/get")) == 5


def test_once_started_every_state_counts_against_the_timeout(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    # Started at 10 s; a retry waits, then waits for a cluster: still the task's own time.
    steps = ("PENDING", "RUNNING", "WAITING_FOR_RETRY", "PENDING")
    server.scenario(DIM_PATH, Scenario(steps=steps, never_ends=True))

    outcome = make_runner(server, clock).run(dim_task(timeout_seconds=30))

    assert outcome.status is TaskStatus.TIMED_OUT
    assert sum(clock.sleeps) == 40


def test_a_retried_task_is_read_from_its_latest_attempt(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    steps = ("RUNNING", "WAITING_FOR_RETRY", "RUNNING")
    server.scenario(DIM_PATH, Scenario(exit_value=EXIT, steps=steps))

    outcome = make_runner(server, clock).run(dim_task())

    assert (outcome.status, outcome.message) == (TaskStatus.SUCCESS, "merged 3 rows")
    run = make_client(server, clock).jobs.get_run(outcome.output["databricks_run_id"])
    tasks = run.tasks or []
    assert [task.attempt_number for task in tasks] == [0, 1]
    [output_call] = server.calls("runs/get-output")
    assert output_call.query["run_id"] == str(tasks[-1].run_id)


def test_the_server_refuses_get_output_for_the_run_id(
    server: FakeDatabricks, clock: FakeClock
) -> None:
    server.scenario(DIM_PATH, Scenario(exit_value=EXIT))
    run_id = make_runner(server, clock).run(dim_task()).output["databricks_run_id"]

    with pytest.raises(errors.InvalidParameterValue, match="runs with multiple tasks"):
        make_client(server, clock).jobs.get_run_output(run_id)


def test_the_server_refuses_an_unknown_run_id(server: FakeDatabricks, clock: FakeClock) -> None:
    client = make_client(server, clock)

    # Databricks answers 400 INVALID_PARAMETER_VALUE; databricks-sdk reads it as "does not exist".
    with pytest.raises(errors.ResourceDoesNotExist, match=r"^Run 42 does not exist\.$"):
        client.jobs.get_run(42)
    with pytest.raises(errors.ResourceDoesNotExist, match=r"^Run 42 does not exist\.$"):
        client.jobs.get_run_output(42)
    with pytest.raises(errors.InvalidParameterValue, match=r"^Run 42 does not exist\.$"):
        client.jobs.cancel_run(42)
    assert [call.status for call in server.requests if "jobs" in call.path] == [400, 400, 400]


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


@pytest.mark.parametrize("status", [500, 502])
def test_a_task_whose_calls_kept_failing_on_a_server_error_is_tried_again(
    server: FakeDatabricks, clock: FakeClock, status: int
) -> None:
    # One decision for both: the error the runner calls again is also worth another attempt.
    server.scenario(DIM_PATH, Scenario(exit_value=EXIT, polls=1, http_errors=2, http_status=status))
    runner = RetryingRunner(make_runner(server, clock, max_api_retries=1), clock=clock)

    outcome = runner.run(dim_task())

    assert (outcome.status, outcome.attempts) == (TaskStatus.SUCCESS, 2)
    assert [call.status for call in server.calls("runs/submit")] == [status, status, 200]
    assert server.runs_created == 1


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


def test_a_client_from_the_env_waits_on_the_given_clock(
    server: FakeDatabricks, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", server.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN)
    server.scenario(DIM_PATH, Scenario(exit_value=EXIT, http_errors=2, retry_after=7))
    client = workspace_client_from_env(None, clock=clock)
    assert client is not None

    outcome = JobsApiRunner(client, ROOT, clock=clock).run(dim_task())

    assert outcome.status is TaskStatus.SUCCESS
    assert all(7 <= seconds < 8 for seconds in clock.sleeps[:2])  # the SDK's sleeps, not real ones


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


class StopsOnFirstPoll(FakeClock):
    """The run is stopped (Ctrl-C, SIGTERM) while the runner waits between two polls."""

    def __init__(self) -> None:
        super().__init__()
        self.stop: Callable[[], None] = lambda: None

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        stop, self.stop = self.stop, lambda: None
        stop()


def test_a_stopped_run_cancels_its_databricks_run_and_submits_no_other(
    server: FakeDatabricks,
) -> None:
    server.scenario(DIM_PATH, Scenario(steps=("RUNNING",), never_ends=True))
    clock = StopsOnFirstPoll()
    runner = make_runner(server, clock)
    clock.stop = runner.cancel_running

    outcome = runner.run(dim_task())
    after_the_stop = runner.run(dim_task())

    assert outcome.status is TaskStatus.FAILED
    assert "cancelled in Databricks" in outcome.message
    [cancel] = server.calls("runs/cancel")
    assert cancel.body == {"run_id": outcome.output["databricks_run_id"]}
    assert after_the_stop.status is TaskStatus.CANCELLED
    assert after_the_stop.attempts == 0
    assert server.runs_created == 1
