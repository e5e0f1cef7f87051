"""Runs a notebook task on Databricks from outside: a one-time Jobs run through databricks-sdk."""

from __future__ import annotations

import logging
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any, TypeVar

from databricks.sdk import WorkspaceClient, errors
from databricks.sdk.core import Config
from databricks.sdk.service import jobs

from medallion_orchestrator.clock import Clock, SystemClock
from medallion_orchestrator.errors import ConfigError
from medallion_orchestrator.execution.results import TaskOutcome, TaskStatus
from medallion_orchestrator.planning import NotebookTask
from medallion_orchestrator.runners.base import outcome_from_exit_value

logger = logging.getLogger(__name__)
T = TypeVar("T")
Life = jobs.RunLifeCycleState
Result = jobs.RunResultState

# databricks-sdk retries 429 and 503 itself (honouring Retry-After) until this budget per call
# is spent, then raises TimeoutError; its default budget is 300 s.
SDK_RETRY_TIMEOUT_SECONDS = 60
# On top of that, the runner retries the other 5xx, and throttling past that budget.
BACKOFF_SECONDS, MAX_BACKOFF_SECONDS = 2.0, 60.0
_TERMINAL = {Life.TERMINATED, Life.SKIPPED, Life.INTERNAL_ERROR}
_TRANSIENT = (
    errors.TooManyRequests,
    errors.TemporarilyUnavailable,
    errors.DeadlineExceeded,
    errors.InternalError,
)
_TRANSIENT_CODES = {"BAD_GATEWAY", "SERVICE_UNAVAILABLE", "GATEWAY_TIMEOUT"}
_CREDENTIAL = re.compile(r"(?i)\b(bearer|basic)\s+[^\s'\"]+")


def workspace_client_from_env(profile: str | None = None) -> WorkspaceClient | None:
    """A client when databricks-sdk's unified auth finds credentials; None if nothing is set up."""
    try:
        # debug_headers=False: the Authorization header never reaches a log, whatever the env says
        config = Config(
            profile=profile, retry_timeout_seconds=SDK_RETRY_TIMEOUT_SECONDS, debug_headers=False
        )
    except ValueError as error:
        # The SDK's message lists the attributes it found, secrets masked.
        found_nothing = "cannot configure default credentials" in str(error)
        if found_nothing and profile is None and not re.search(r"\bhost=", str(error)):
            logger.debug("no Databricks configuration found: %s", error)
            return None
        raise ConfigError(f"Databricks configuration is incomplete: {error}") from error
    return WorkspaceClient(config=config)


class JobsApiRunner:
    """Submits each task as a one-time run (runs/submit), polls it and maps its result."""

    def __init__(
        self,
        client: WorkspaceClient,
        workspace_notebooks_root: str,
        *,
        existing_cluster_id: str | None = None,
        poll_seconds: float = 10.0,
        clock: Clock | None = None,
        max_api_retries: int = 3,
    ) -> None:
        self._client = client
        self._root = PurePosixPath(workspace_notebooks_root)
        self._existing_cluster_id = existing_cluster_id  # None: serverless compute
        self._poll_seconds = poll_seconds
        self._clock = clock or SystemClock()
        self._max_api_retries = max_api_retries

    def notebook_path(self, task: NotebookTask) -> str:
        return str(self._root / task.notebook)

    def run(self, task: NotebookTask) -> TaskOutcome:
        deadline = self._clock.monotonic() + task.timeout_seconds
        run_id = self._submit(task)
        try:
            run = self._wait(run_id, deadline)
        except BaseException:
            self._cancel_quietly(run_id)
            raise
        if _life_cycle(run) in _TERMINAL:
            return self._outcome(run)
        cancelled = "cancelled" if self._cancel_quietly(run_id) else "could not be cancelled"
        message = f"no result within {task.timeout_seconds}s; Databricks run {run_id} {cancelled}"
        return TaskOutcome(TaskStatus.TIMED_OUT, message, output=_links(run))

    def _submit(self, task: NotebookTask) -> int:
        notebook = jobs.NotebookTask(
            notebook_path=self.notebook_path(task),
            base_parameters=dict(task.arguments),
            source=jobs.Source.WORKSPACE,
        )
        submitted = jobs.SubmitTask(
            task_key=re.sub(r"[^\w-]", "_", task.key)[:100],
            notebook_task=notebook,
            existing_cluster_id=self._existing_cluster_id,
            timeout_seconds=task.timeout_seconds,
        )
        token = uuid.uuid4().hex  # a retried submit then starts one run, not several
        waiter = self._call(
            "runs/submit",
            lambda: self._client.jobs.submit(
                run_name=f"medallion {task.key}", tasks=[submitted], idempotency_token=token
            ),
        )
        run_id: int = waiter.response.run_id
        logger.info("%s: submitted Databricks run %s", task.key, run_id)
        return run_id

    def _wait(self, run_id: int, deadline: float) -> jobs.Run:
        """Polls until the run ends or the deadline passes; returns the last run seen."""
        while True:
            run = self._call("runs/get", lambda: self._client.jobs.get_run(run_id))
            remaining = deadline - self._clock.monotonic()
            if _life_cycle(run) in _TERMINAL or remaining <= 0:
                return run
            self._clock.sleep(min(self._poll_seconds, remaining))

    def _outcome(self, run: jobs.Run) -> TaskOutcome:
        state = run.state or jobs.RunState()
        life, result, said = state.life_cycle_state, state.result_state, state.state_message
        links = _links(run)
        if life is Life.TERMINATED and result is Result.SUCCESS:
            notebook_output = self._output(run).notebook_output
            outcome = outcome_from_exit_value(notebook_output.result if notebook_output else None)
            return replace(outcome, output={**outcome.output, **links})
        if life is Life.INTERNAL_ERROR or result is Result.FAILED:
            message = said or f"Databricks run ended in {_name(life)}"
            return TaskOutcome(TaskStatus.FAILED, message, self._error_text(run), links)
        if result is Result.TIMEDOUT:
            message = "Databricks stopped the run at its timeout"
            return TaskOutcome(TaskStatus.TIMED_OUT, message, output=links)
        if result is Result.CANCELED:
            message = f"the run was cancelled in Databricks: {said or 'no reason given'}"
            return TaskOutcome(TaskStatus.FAILED, message, output=links)
        message = f"Databricks run ended {_name(life)}/{_name(result)}: {said}"
        return TaskOutcome(TaskStatus.FAILED, message, output=links)

    def _output(self, run: jobs.Run) -> jobs.RunOutput:
        # A one-time run has one task; runs/get-output only answers for a task's run id.
        task_run_id = run.tasks[0].run_id if run.tasks else run.run_id
        return self._call("runs/get-output", lambda: self._client.jobs.get_run_output(task_run_id))

    def _error_text(self, run: jobs.Run) -> str | None:
        try:
            output = self._output(run)
        except Exception as error:  # the failure is the news; a missing output must not hide it
            return f"run output unavailable: {_describe(error)}"
        return "\n".join(part for part in (output.error, output.error_trace) if part) or None

    def _cancel_quietly(self, run_id: int) -> bool:
        try:
            self._call("runs/cancel", lambda: self._client.jobs.cancel_run(run_id))
        except Exception as error:
            logger.warning("could not cancel Databricks run %s: %s", run_id, _describe(error))
            return False
        return True

    def _call(self, what: str, call: Callable[[], T]) -> T:
        """One API call; 429 and 5xx are retried with exponential backoff on the clock."""
        attempt = 0
        while True:
            try:
                return call()
            except Exception as error:
                attempt += 1
                if attempt > self._max_api_retries or not _is_transient(error):
                    raise
                delay = _backoff(attempt, error)
                retries = f"retry {attempt}/{self._max_api_retries} in {delay:.1f}s"
                logger.warning("jobs API %s failed (%s); %s", what, _describe(error), retries)
                self._clock.sleep(delay)


def _backoff(attempt: int, error: Exception) -> float:
    delay = min(MAX_BACKOFF_SECONDS, BACKOFF_SECONDS * 2 ** (attempt - 1))
    retry_after = getattr(_unwrap(error), "retry_after_secs", None) or 0
    return max(delay, retry_after) + random.random()


def _unwrap(error: BaseException) -> BaseException:
    # databricks-sdk raises TimeoutError from the last error once its own retry budget is spent.
    if isinstance(error, TimeoutError) and error.__cause__ is not None:
        return error.__cause__
    return error


def _is_transient(error: BaseException) -> bool:
    error = _unwrap(error)
    if isinstance(error, errors.DataLoss):
        return False
    if isinstance(error, _TRANSIENT):
        return True
    return isinstance(error, errors.DatabricksError) and error.error_code in _TRANSIENT_CODES


def _describe(error: BaseException) -> str:
    cause = _unwrap(error)
    said = _CREDENTIAL.sub(r"\1 ***", str(cause))[:300]
    text = f"{type(cause).__name__}: {said}"
    return text if cause is error else f"{type(error).__name__} after {text}"


def _life_cycle(run: jobs.Run) -> jobs.RunLifeCycleState | None:
    return run.state.life_cycle_state if run.state else None


def _links(run: jobs.Run) -> dict[str, Any]:
    return {"databricks_run_id": run.run_id, "run_page_url": run.run_page_url}


def _name(value: Life | Result | None) -> str:
    return value.value if value is not None else "?"
