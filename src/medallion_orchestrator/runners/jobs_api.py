"""Runs a notebook task on Databricks from outside: a one-time Jobs run through databricks-sdk.

What it relies on (Jobs API 2.2, as databricks-sdk models it):
- The task's state is read as `jobs_run` says: its latest attempt's, `status` else `state`.
- The task's timeout counts from when it is first seen started; before that, time waiting to
  start has its own limit, `max_queue_seconds`. Either limit cancels the run. Why a run waits
  is logged, and named in the failure when the queue limit is hit.
- `runs/get-output` is asked with the task's run id (Databricks refuses the run's). A truncated
  exit value is a failure; a failed task's `error` and `error_trace` go into the outcome.
- How the task ended maps to a status, with a message naming the ending and Databricks' message.
- Once the run is stopped (`cancel_running`), no run is submitted and the active ones are
  cancelled in Databricks; each then ends CANCELED, which its poll reads.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any, TypeVar

from databricks.sdk import WorkspaceClient
from databricks.sdk import clock as sdk_clock
from databricks.sdk.core import Config
from databricks.sdk.service import jobs

from medallion_orchestrator.clock import Clock, SystemClock
from medallion_orchestrator.errors import ConfigError
from medallion_orchestrator.planning import NotebookTask
from medallion_orchestrator.runners.base import outcome_from_exit_value
from medallion_orchestrator.runners.jobs_run import RunLimits, Seen, read_run
from medallion_orchestrator.tasks import NOT_STARTED, TaskOutcome, TaskStatus
from medallion_orchestrator.transient import (
    is_transient,
    is_transient_api_error,
    reported_error_class,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

# databricks-sdk retries 429 and 503 itself (honouring Retry-After) until this budget per call
# is spent, then raises TimeoutError; its default budget is 300 s.
SDK_RETRY_TIMEOUT_SECONDS = 60
# On top of that, the runner retries the other 5xx, and throttling past that budget.
BACKOFF_SECONDS, MAX_BACKOFF_SECONDS = 2.0, 60.0
# How long a run may wait to start (queued, pending a cluster, blocked) before it is cancelled.
DEFAULT_MAX_QUEUE_SECONDS = 3600.0
MAX_ERROR_CHARS = 20_000  # a failed task's trace kept in the outcome (head and tail)
# How an ended task ended (a result state, or a termination code), by what the outcome says.
_CANCELLED = {"CANCELED", "USER_CANCELED"}
_NOT_RUN = {
    "SKIPPED",
    "EXCLUDED",
    "UPSTREAM_FAILED",
    "UPSTREAM_CANCELED",
    "DISABLED",
    "MAXIMUM_CONCURRENT_RUNS_REACHED",
    "MAX_CONCURRENT_RUNS_EXCEEDED",
}
_TASK_ERRORS = {"FAILED", "RUN_EXECUTION_ERROR"}  # the notebook itself raised
_CREDENTIAL = re.compile(r"(?i)\b(bearer|basic)\s+[^\s'\"]+")


class SdkClock(sdk_clock.Clock):
    """databricks-sdk's own retries (429 and 503, Retry-After) read and sleep on the run's clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def time(self) -> float:
        return self._clock.now().timestamp()

    def sleep(self, seconds: float) -> None:
        self._clock.sleep(seconds)


def workspace_client_from_env(
    profile: str | None = None, clock: Clock | None = None
) -> WorkspaceClient | None:
    """A client when databricks-sdk's unified auth finds credentials; None if nothing is set up.

    With a `clock`, the SDK's own retries wait on it, so a test's FakeClock covers them too.
    """
    try:
        # debug_headers=False: the Authorization header never reaches a log, whatever the env says
        config = Config(
            profile=profile,
            retry_timeout_seconds=SDK_RETRY_TIMEOUT_SECONDS,
            debug_headers=False,
            clock=SdkClock(clock) if clock is not None else None,
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
        max_queue_seconds: float = DEFAULT_MAX_QUEUE_SECONDS,
    ) -> None:
        self._client = client
        self._root = PurePosixPath(workspace_notebooks_root)
        self._existing_cluster_id = existing_cluster_id  # None: serverless compute
        self._poll_seconds = poll_seconds
        self._clock = clock or SystemClock()
        self._max_api_retries = max_api_retries
        self._max_queue_seconds = max_queue_seconds
        self._lock = threading.Lock()
        self._active: set[int] = set()
        self._stopped = False

    def notebook_path(self, task: NotebookTask) -> str:
        return str(self._root / task.notebook)

    def cancel_running(self) -> None:
        """The run was stopped: submit nothing more, and cancel the runs under way."""
        with self._lock:
            self._stopped = True
            active = sorted(self._active)
        for run_id in active:
            logger.info("cancelling Databricks run %s: the run was stopped", run_id)
            self._cancel_quietly(run_id)

    def run(self, task: NotebookTask) -> TaskOutcome:
        with self._lock:
            if self._stopped:
                return TaskOutcome(TaskStatus.CANCELLED, NOT_STARTED, attempts=0)
        run_id = self._submit(task)
        with self._lock:
            self._active.add(run_id)
            stopped_while_submitting = self._stopped
        if stopped_while_submitting:
            self._cancel_quietly(run_id)
        limits = RunLimits(
            self._clock, self._max_queue_seconds, task.timeout_seconds, self._clock.monotonic()
        )
        try:
            run, seen, limit = self._wait(task, run_id, limits)
        except BaseException:
            self._cancel_quietly(run_id)
            raise
        finally:
            with self._lock:
                self._active.discard(run_id)
        if limit is None:
            return self._outcome(seen, _links(run))
        return self._stop(task, run_id, seen, limit, _links(run))

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

    def _wait(
        self, task: NotebookTask, run_id: int, limits: RunLimits
    ) -> tuple[jobs.Run, Seen, str | None]:
        """Polls until the task ends or a limit passes: the last run, its reading, the limit."""
        last: Seen | None = None
        while True:
            run = self._call("runs/get", lambda: self._client.jobs.get_run(run_id))
            seen = read_run(run)
            _log_change(task, run_id, last, seen)
            last = seen
            limit = None if seen.ending else limits.passed(seen)
            if seen.ending or limit:
                return run, seen, limit
            self._clock.sleep(min(self._poll_seconds, limits.left(self._clock.monotonic())))

    def _stop(
        self, task: NotebookTask, run_id: int, seen: Seen, limit: str, links: dict[str, Any]
    ) -> TaskOutcome:
        cancelled = "cancelled" if self._cancel_quietly(run_id) else "could not be cancelled"
        if limit == "timeout":
            message = (
                f"no result within {task.timeout_seconds}s of starting; "
                f"Databricks run {run_id} {cancelled}"
            )
            return TaskOutcome(TaskStatus.TIMED_OUT, message, output=links)
        why = seen.queue_reason or seen.message
        message = (
            f"Databricks run {run_id} did not start within {self._max_queue_seconds:g}s "
            f"({seen.state}{_colon(why)}); {cancelled}"
        )
        return TaskOutcome(TaskStatus.FAILED, message, output=links)

    def _outcome(self, seen: Seen, links: dict[str, Any]) -> TaskOutcome:
        ending = seen.ending
        if ending == "SUCCESS":
            return self._success(seen, links)
        if ending == "TIMEDOUT":
            message = f"Databricks stopped the task at its timeout (TIMEDOUT){_colon(seen.message)}"
            return TaskOutcome(TaskStatus.TIMED_OUT, message, output=links)
        if ending in _CANCELLED:
            message = f"the run was cancelled in Databricks ({ending}){_colon(seen.message)}"
            return TaskOutcome(TaskStatus.FAILED, message, output=links)
        if ending in _NOT_RUN:
            message = f"Databricks did not run the task ({ending}){_colon(seen.message)}"
            return TaskOutcome(TaskStatus.FAILED, message, output=links)
        return self._failure(seen, links)

    def _success(self, seen: Seen, links: dict[str, Any]) -> TaskOutcome:
        notebook_output = self._output(seen).notebook_output or jobs.NotebookOutput()
        if notebook_output.truncated:
            message = (
                "the notebook's exit value was truncated by Databricks (runs/get-output returns "
                "its first 5 MB), so its result cannot be read"
            )
            head = (notebook_output.result or "")[:1000] or None
            return TaskOutcome(TaskStatus.FAILED, message, head, links)
        outcome = outcome_from_exit_value(notebook_output.result)
        return replace(outcome, output={**outcome.output, **links})

    def _failure(self, seen: Seen, links: dict[str, Any]) -> TaskOutcome:
        error, trace = self._error_of(seen)
        said = _first_line(error) or seen.message
        if seen.ending in _TASK_ERRORS and said:
            message = said  # the notebook's own error
        else:
            message = f"Databricks run ended {seen.ending}{_colon(said)}"
        detail = trace or (error if error and error.strip() != message else None)
        text = "\n".join(part for part in (error, trace) if part)
        return TaskOutcome(
            TaskStatus.FAILED,
            message,
            _bounded(detail),
            links,
            error_class=reported_error_class(error or ""),
            transient=bool(text) and is_transient(text),
        )

    def _output(self, seen: Seen) -> jobs.RunOutput:
        run_id = seen.task_run_id
        return self._call("runs/get-output", lambda: self._client.jobs.get_run_output(run_id))

    def _error_of(self, seen: Seen) -> tuple[str | None, str | None]:
        """The task's error and trace from runs/get-output."""
        try:
            output = self._output(seen)
        except Exception as error:  # the failure is the news; a missing output must not hide it
            return None, f"run output unavailable: {_describe(error)}"
        return output.error, output.error_trace

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
                if attempt > self._max_api_retries or not is_transient_api_error(error):
                    raise
                delay = _backoff(attempt, error)
                retries = f"retry {attempt}/{self._max_api_retries} in {delay:.1f}s"
                logger.warning("jobs API %s failed (%s); %s", what, _describe(error), retries)
                self._clock.sleep(delay)


def _log_change(task: NotebookTask, run_id: int, last: Seen | None, seen: Seen) -> None:
    """Logs the task's state, and why it waits, when either changes."""
    if last is not None and (last.state, last.queue_reason) == (seen.state, seen.queue_reason):
        return
    why = seen.queue_reason or seen.message
    logger.info("%s: Databricks run %s is %s%s", task.key, run_id, seen.state, _colon(why))


def _backoff(attempt: int, error: Exception) -> float:
    delay = min(MAX_BACKOFF_SECONDS, BACKOFF_SECONDS * 2 ** (attempt - 1))
    retry_after = getattr(_unwrap(error), "retry_after_secs", None) or 0
    return max(delay, retry_after) + random.random()


def _unwrap(error: BaseException) -> BaseException:
    # databricks-sdk raises TimeoutError from the last error once its own retry budget is spent.
    if isinstance(error, TimeoutError) and error.__cause__ is not None:
        return error.__cause__
    return error


def _describe(error: BaseException) -> str:
    cause = _unwrap(error)
    said = _CREDENTIAL.sub(r"\1 ***", str(cause))[:300]
    text = f"{type(cause).__name__}: {said}"
    return text if cause is error else f"{type(error).__name__} after {text}"


def _links(run: jobs.Run) -> dict[str, Any]:
    return {"databricks_run_id": run.run_id, "run_page_url": run.run_page_url}


def _colon(text: str | None) -> str:
    return f": {text}" if text else ""


def _first_line(text: str | None) -> str:
    return text.strip().splitlines()[0] if text and text.strip() else ""


def _bounded(text: str | None, limit: int = MAX_ERROR_CHARS) -> str | None:
    """The text, or its head and tail when longer than `limit` characters."""
    if text is None or len(text) <= limit:
        return text
    head = limit // 4
    cut = len(text) - limit
    return f"{text[:head]}\n... [{cut} characters cut] ...\n{text[-(limit - head) :]}"
