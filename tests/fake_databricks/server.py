"""A stand-in for the Databricks Jobs REST API 2.2 (the paths databricks-sdk 0.156.0 calls).

It is no kinder than Databricks:
- `runs/get` reports a one-time run and its `tasks`, each task attempt with its own `run_id`;
  by default with both `status` and the deprecated `state`, or with only one of them
  (`Scenario.reports`), the way newer and older workspaces answer.
- A task's timeout shows as TIMEDOUT in `state` only: `status` says TERMINATED with termination
  code CANCELED (by the platform: databricks-sdk has no timeout code), type CLIENT_ERROR. Each task
  echoes its `timeout_seconds`.
- Each submit of a notebook runs its next scenario (the last one again once all were run).
- The run's own state is not the task's: a task that TIMEDOUT, was skipped or failed leaves the
  run FAILED with an empty state message.
- `runs/get-output` answers only for a task's run id; the run's id is refused with Databricks'
  INVALID_PARAMETER_VALUE text. An exit value past the output limit comes back cut, with
  `truncated: true`.
- An unknown run id is a 400 INVALID_PARAMETER_VALUE; throttling is a 429 or 503 with Retry-After.
- SCIM `Me` answers who the token belongs to (`userName`), as `~/` in a notebook path needs.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

JOBS = "/api/2.2/jobs"
RUNS = f"{JOBS}/runs"
SCIM_ME = "/api/2.0/preview/scim/v2/Me"
USER_NAME = "someone@example.com"
WORKSPACE_ID = "1234567890123456"
OUTPUT_LIMIT = 5 * 1024 * 1024  # Databricks returns the first 5 MB of an exit value
WORKLOAD_FAILED = "Workload failed, see run output for details"
_ERRORS = {
    429: ("TOO_MANY_REQUESTS", "Too many requests. Please wait a moment and try again."),
    500: ("INTERNAL_ERROR", "Unexpected failure while processing the request."),
    503: ("TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable."),
}
_BAD_GATEWAY = "<html><head><title>502 Bad Gateway</title></head><body>502</body></html>"
# Why a run is queued (status.queue_details.code), as databricks-sdk documents the codes.
QUEUE_REASONS = {
    "ACTIVE_RUNS_LIMIT_REACHED": "Queued due to reaching the workspace limit of active task runs.",
    "MAX_CONCURRENT_RUNS_REACHED": "Queued due to reaching the per-job limit of concurrent runs.",
    "ACTIVE_RUN_JOB_TASKS_LIMIT_REACHED": "Queued due to reaching the limit of active job tasks.",
}
# An ended task's state (its life-cycle state, or its result) -> status.termination_details.
_TERMINATION = {
    "SUCCESS": ("SUCCESS", "SUCCESS"),
    "FAILED": ("RUN_EXECUTION_ERROR", "CLIENT_ERROR"),
    "TIMEDOUT": ("CANCELED", "CLIENT_ERROR"),
    "CANCELED": ("USER_CANCELED", "SUCCESS"),
    "EXCLUDED": ("SKIPPED", "SUCCESS"),
    "UPSTREAM_FAILED": ("SKIPPED", "SUCCESS"),
    "UPSTREAM_CANCELED": ("SKIPPED", "SUCCESS"),
    "DISABLED": ("DISABLED", "SUCCESS"),
    "MAXIMUM_CONCURRENT_RUNS_REACHED": ("MAX_CONCURRENT_RUNS_EXCEEDED", "CLIENT_ERROR"),
    "SKIPPED": ("SKIPPED", "SUCCESS"),
    "INTERNAL_ERROR": ("INTERNAL_ERROR", "INTERNAL_ERROR"),
}
_V2_STATE = {
    "SKIPPED": "TERMINATED",
    "INTERNAL_ERROR": "TERMINATED",
    "WAITING_FOR_RETRY": "WAITING",
}
_ENDED = {"TERMINATED", "SKIPPED", "INTERNAL_ERROR"}

Reply = tuple[int, Any, dict[str, str]]
Reports = Literal["both", "status", "state"]


@dataclass(frozen=True)
class Scenario:
    """How the fake workspace runs one notebook."""

    exit_value: str | None = None  # what the notebook passes to dbutils.notebook.exit
    polls: int = 3  # runs/get calls until the run ends (PENDING, RUNNING..., then the end)
    steps: tuple[str, ...] | None = None  # else these life-cycle states, one per runs/get
    queue_code: str = "ACTIVE_RUNS_LIMIT_REACHED"  # why a QUEUED step is queued
    error: str | None = None  # the run fails with this error...
    error_trace: str = ""  # ...and this trace
    never_ends: bool = False  # stays in its last step (RUNNING by default) until cancelled
    life_cycle_state: str = "TERMINATED"  # or SKIPPED, INTERNAL_ERROR
    result_state: str | None = None  # default: FAILED with an error, SUCCESS without
    state_message: str | None = None  # the ended task's state message (default: Databricks')
    termination_code: str | None = None  # status.termination_details.code, if not the usual
    reports: Reports = "both"  # runs/get answers with `status`, the deprecated `state`, or both
    output_limit: int = OUTPUT_LIMIT  # get-output cuts the exit value at this many characters
    http_errors: int = 0  # the first K API calls about this notebook get...
    http_status: int = 429  # ...this status (429, 500, 502, 503)
    retry_after: int | None = 1

    def life_steps(self) -> tuple[str, ...]:
        if self.steps is not None:
            return self.steps
        return ("PENDING",) + ("RUNNING",) * (self.polls - 2) if self.polls > 1 else ()


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    authorized: bool
    status: int


@dataclass(frozen=True)
class _Phase:
    """One run's or task's state, from which both `state` and `status` are written."""

    life: str
    result: str | None = None
    message: str = ""
    queue_code: str | None = None
    termination_code: str | None = None

    @property
    def ended(self) -> bool:
        return self.life in _ENDED


@dataclass
class _Run:
    run_id: int
    task_run_ids: list[int]  # one per attempt; a retry is a new task run
    notebook: str
    submitted: dict[str, Any]
    scenario: Scenario | None  # None: no such notebook in the workspace
    polls: int = 0
    cancelled: bool = False
    task_key: str = field(init=False)

    def __post_init__(self) -> None:
        self.task_key = self.submitted["tasks"][0].get("task_key", "")


class FakeDatabricks:
    """A threaded HTTP server on 127.0.0.1 running notebooks by scenario; records every request."""

    def __init__(self, token: str, user_name: str = USER_NAME) -> None:
        self._token = token
        self.user_name = user_name
        self._lock = threading.Lock()
        self._scenarios: dict[str, list[Scenario]] = {}
        self._errors_left: dict[str, int] = {}
        self._runs: dict[int, _Run] = {}
        self._by_idempotency_token: dict[str, int] = {}
        self._next_id = 1000
        self.requests: list[Recorded] = []
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def start(self) -> FakeDatabricks:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def scenario(self, notebook_path: str, scenario: Scenario, *then: Scenario) -> None:
        """How the notebook runs: `scenario` at its first submit, then each of `then`."""
        with self._lock:
            self._scenarios[notebook_path] = [scenario, *then]
            self._errors_left[notebook_path] = scenario.http_errors

    def calls(self, endpoint: str) -> list[Recorded]:
        """The recorded requests to one endpoint, e.g. "runs/submit"."""
        return [r for r in self.requests if r.path == f"{JOBS}/{endpoint}"]

    @property
    def runs_created(self) -> int:
        return len(self._runs)

    def handle(self, method: str, path: str, query: dict[str, str], body: dict, auth: str) -> Reply:
        with self._lock:
            authorized = auth == f"Bearer {self._token}"
            reply = self._route(method, path, query, body, authorized)
            self.requests.append(Recorded(method, path, query, body, authorized, reply[0]))
            return reply

    def _route(self, method: str, path: str, query: dict, body: dict, authorized: bool) -> Reply:
        if path == "/.well-known/databricks-config":
            return 200, {"workspace_id": WORKSPACE_ID}, {}
        if not authorized:
            return _error(401, "UNAUTHENTICATED", "Invalid access token.")
        if (method, path) == ("GET", SCIM_ME):
            return 200, self._me(), {}
        endpoints = {
            ("POST", "submit"): self._submit,
            ("GET", "get"): self._get,
            ("GET", "get-output"): self._get_output,
            ("POST", "cancel"): self._cancel,
        }
        name = path.removeprefix(f"{RUNS}/")
        endpoint = endpoints.get((method, name))
        if endpoint is None:
            return _error(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")
        args = body if method == "POST" else query
        run = self._runs_by_any_id().get(int(args.get("run_id", 0)))
        if run is None and name != "submit":
            message = f"Run {args.get('run_id')} does not exist."
            return _error(400, "INVALID_PARAMETER_VALUE", message)
        notebook = _notebook_of(body) if run is None else run.notebook
        if self._errors_left.get(notebook, 0) > 0:
            self._errors_left[notebook] -= 1
            return _http_error(self._scenarios[notebook][0])
        return endpoint(run, args)

    def _me(self) -> dict[str, Any]:
        return {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "4242424242424242",
            "userName": self.user_name,
            "displayName": self.user_name.partition("@")[0],
            "active": True,
            "emails": [{"type": "work", "value": self.user_name, "primary": True}],
        }

    def _runs_by_any_id(self) -> dict[int, _Run]:
        by_task = {task: run for run in self._runs.values() for task in run.task_run_ids}
        return {**self._runs, **by_task}

    def _submit(self, _: _Run | None, body: dict) -> Reply:
        if not body.get("tasks"):
            return _error(400, "INVALID_PARAMETER_VALUE", "At least one task is required.")
        token = body.get("idempotency_token")
        if token in self._by_idempotency_token:
            return 200, {"run_id": self._by_idempotency_token[token]}, {}
        notebook = _notebook_of(body)
        queued = self._scenarios.get(notebook)
        scenario = (queued.pop(0) if len(queued) > 1 else queued[0]) if queued else None
        attempts = 1 + (scenario or Scenario()).life_steps().count("WAITING_FOR_RETRY")
        run_id = self._next_id
        self._next_id += attempts + 1
        task_run_ids = [run_id + 1 + attempt for attempt in range(attempts)]
        self._runs[run_id] = _Run(run_id, task_run_ids, notebook, body, scenario)
        if token:
            self._by_idempotency_token[token] = run_id
        return 200, {"run_id": run_id}, {}

    def _get(self, run: _Run, query: dict) -> Reply:
        if int(query["run_id"]) != run.run_id:
            return 200, self._task_view(run, self._attempt_of(run, int(query["run_id"]))), {}
        run.polls += 1
        return 200, self._run_view(run), {}

    def _get_output(self, run: _Run, query: dict) -> Reply:
        if int(query["run_id"]) == run.run_id:  # asked with the run's id, not its task's
            message = (
                "Retrieving the output of runs with multiple tasks is not supported. "
                "Please retrieve the output of each individual task run instead."
            )
            return _error(400, "INVALID_PARAMETER_VALUE", message)
        attempt = self._attempt_of(run, int(query["run_id"]))
        output: dict[str, Any] = {"metadata": self._task_view(run, attempt)}
        phase = self._task_phase(run, attempt)
        if phase.ended:
            output |= self._ended_output(run, attempt, phase)
        return 200, output, {}

    def _ended_output(self, run: _Run, attempt: int, phase: _Phase) -> dict[str, Any]:
        scenario = run.scenario
        if attempt < self._attempts_seen(run) - 1:  # an earlier attempt, which failed
            return {"error": f"Attempt {attempt} failed; retrying.", "error_trace": ""}
        if phase.result == "SUCCESS" and scenario is not None:
            return {"notebook_output": _notebook_output(scenario)}
        if scenario is None or scenario.error:
            error = scenario.error if scenario else phase.message
            return {"error": error, "error_trace": scenario.error_trace if scenario else ""}
        return {}

    def _cancel(self, run: _Run, _: dict) -> Reply:
        run.cancelled = True
        return 200, {}, {}

    def _attempt_of(self, run: _Run, task_run_id: int) -> int:
        return run.task_run_ids.index(task_run_id)

    def _attempts_seen(self, run: _Run) -> int:
        """Attempts started so far: the first, and one more at each WAITING_FOR_RETRY seen."""
        steps = (run.scenario or Scenario()).life_steps()
        return 1 + steps[: run.polls].count("WAITING_FOR_RETRY")

    def _run_view(self, run: _Run) -> dict[str, Any]:
        attempts = range(self._attempts_seen(run))
        view = {"run_id": run.run_id, "job_id": run.run_id - 1, "run_type": "SUBMIT_RUN"}
        view |= {"run_name": run.submitted.get("run_name"), "number_in_job": run.run_id}
        view |= _states(self._run_phase(run), self._reports(run))
        view |= {"run_page_url": self._page(run)}
        view |= {"tasks": [self._task_view(run, attempt) for attempt in attempts]}
        return view

    def _task_view(self, run: _Run, attempt: int) -> dict[str, Any]:
        task = run.submitted["tasks"][0]
        view = {"run_id": run.task_run_ids[attempt], "task_key": run.task_key}
        view |= {"attempt_number": attempt}
        echoed = ("notebook_task", "existing_cluster_id", "timeout_seconds")
        view |= {key: task[key] for key in echoed if key in task}
        view |= _states(self._task_phase(run, attempt), self._reports(run))
        return view | {"run_page_url": self._page(run)}

    def _reports(self, run: _Run) -> Reports:
        return (run.scenario or Scenario()).reports

    def _run_phase(self, run: _Run) -> _Phase:
        task = self._task_phase(run, self._attempts_seen(run) - 1)
        if not task.ended:
            return task if task.life != "WAITING_FOR_RETRY" else _Phase("RUNNING")
        if task.result in ("SUCCESS", "CANCELED") or task.life != "TERMINATED":
            return task
        return _Phase("TERMINATED", "FAILED")  # whatever stopped the task, the run FAILED

    def _task_phase(self, run: _Run, attempt: int) -> _Phase:
        scenario = run.scenario
        if attempt < self._attempts_seen(run) - 1:
            return _Phase("TERMINATED", "FAILED", WORKLOAD_FAILED)
        if run.cancelled:
            return _Phase("TERMINATED", "CANCELED", "Run cancelled.")
        if scenario is None:
            message = f"Notebook not found: {run.notebook}"
            return _Phase("INTERNAL_ERROR", "FAILED", message, None, "RESOURCE_NOT_FOUND")
        step = _step(scenario, run.polls)
        if step is None:
            return _ending(scenario)
        queued = scenario.queue_code if step == "QUEUED" else None
        return _Phase(step, None, _WAITING_MESSAGES.get(step, ""), queued)

    def _page(self, run: _Run) -> str:
        return f"{self.url}/?o={WORKSPACE_ID}#job/{run.run_id - 1}/run/{run.run_id}"


_WAITING_MESSAGES = {
    "PENDING": "Waiting for cluster",
    "BLOCKED": "Blocked by an upstream dependency",
    "WAITING_FOR_RETRY": "Waiting for retry",
    "RUNNING": "In run",
}


_ENDING_MESSAGES = {
    "SUCCESS": "",
    "TIMEDOUT": "Run timed out.",
    "CANCELED": "Run cancelled.",
    "EXCLUDED": "The task was excluded because its run-if condition was not met.",
    "SKIPPED": "This run was aborted because a previous run of the same job was already active.",
    "INTERNAL_ERROR": "An internal error occurred in the Jobs service.",
}


def _step(scenario: Scenario, polls: int) -> str | None:
    """The life-cycle state at this poll, or None once the run has ended."""
    steps, index = scenario.life_steps(), max(polls, 1) - 1
    if index < len(steps):
        return steps[index]
    if scenario.never_ends:
        return steps[-1] if steps else "RUNNING"
    return None


def _ending(scenario: Scenario) -> _Phase:
    life = scenario.life_cycle_state
    failed = scenario.error or life == "INTERNAL_ERROR"
    result = scenario.result_state or ("FAILED" if failed else "SUCCESS")
    if life == "SKIPPED":
        result = None  # a skipped run has no result state
    default = _ENDING_MESSAGES.get(life, _ENDING_MESSAGES.get(result or "", WORKLOAD_FAILED))
    message = default if scenario.state_message is None else scenario.state_message
    return _Phase(life, result, message, None, scenario.termination_code)


def _states(phase: _Phase, reports: Reports) -> dict[str, Any]:
    states: dict[str, Any] = {}
    if reports in ("both", "state"):
        states["state"] = _state(phase)
    if reports in ("both", "status"):
        states["status"] = _status(phase)
    return states


def _state(phase: _Phase) -> dict[str, Any]:
    """The deprecated `state`."""
    state: dict[str, Any] = {"life_cycle_state": phase.life, "state_message": phase.message}
    if phase.result is not None:
        timed_out = phase.result in ("CANCELED", "TIMEDOUT")
        state |= {"result_state": phase.result, "user_cancelled_or_timedout": timed_out}
    if phase.queue_code is not None:
        state["queue_reason"] = QUEUE_REASONS[phase.queue_code]
    return state


def _status(phase: _Phase) -> dict[str, Any]:
    """Jobs API 2.2's `status`."""
    status: dict[str, Any] = {"state": _V2_STATE.get(phase.life, phase.life)}
    if phase.queue_code is not None:
        message = QUEUE_REASONS[phase.queue_code]
        status["queue_details"] = {"code": phase.queue_code, "message": message}
    if phase.ended:
        ending = phase.life if phase.life != "TERMINATED" else phase.result or "SUCCESS"
        code, kind = _TERMINATION[ending]
        code = phase.termination_code or code
        status["termination_details"] = {"code": code, "type": kind, "message": phase.message}
    return status


def _notebook_output(scenario: Scenario) -> dict[str, Any]:
    value = scenario.exit_value
    if value is None:
        return {"truncated": False}
    truncated = len(value) > scenario.output_limit
    return {"result": value[: scenario.output_limit], "truncated": truncated}


def _notebook_of(body: dict) -> str:
    tasks = body.get("tasks") or [{}]
    return tasks[0].get("notebook_task", {}).get("notebook_path", "")


def _error(status: int, code: str, message: str) -> Reply:
    return status, {"error_code": code, "message": message}, {}


def _http_error(scenario: Scenario) -> Reply:
    if scenario.http_status == 502:
        return 502, _BAD_GATEWAY, {"Content-Type": "text/html"}
    code, message = _ERRORS[scenario.http_status]
    headers = {}
    if scenario.http_status in (429, 503) and scenario.retry_after is not None:
        headers["Retry-After"] = str(scenario.retry_after)
    return scenario.http_status, {"error_code": code, "message": message}, headers


def _handler_for(fake: FakeDatabricks) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per keep-alive request

        def do_GET(self) -> None:
            self._serve({})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._serve(json.loads(self.rfile.read(length) or b"{}"))

        def _serve(self, body: dict) -> None:
            url = urlsplit(self.path)
            auth = self.headers.get("Authorization", "")
            status, payload, headers = fake.handle(
                self.command, url.path, dict(parse_qsl(url.query)), body, auth
            )
            data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: tests read fake.requests instead."""

    return Handler
