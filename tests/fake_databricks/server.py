"""A stand-in for the Databricks Jobs REST API (the paths databricks-sdk 0.156.0 calls)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

JOBS = "/api/2.2/jobs"
RUNS = f"{JOBS}/runs"
WORKSPACE_ID = "1234567890123456"
_ERRORS = {
    429: ("TOO_MANY_REQUESTS", "Too many requests. Please wait a moment and try again."),
    500: ("INTERNAL_ERROR", "Unexpected failure while processing the request."),
    503: ("TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable."),
}
_BAD_GATEWAY = "<html><head><title>502 Bad Gateway</title></head><body>502</body></html>"

Reply = tuple[int, Any, dict[str, str]]


@dataclass(frozen=True)
class Scenario:
    """How the fake workspace runs one notebook."""

    exit_value: str | None = None  # what the notebook passes to dbutils.notebook.exit
    polls: int = 3  # runs/get calls until the run ends (PENDING, RUNNING..., then the end)
    error: str | None = None  # the run fails with this error...
    error_trace: str = ""  # ...and this trace
    never_ends: bool = False  # RUNNING until cancelled
    life_cycle_state: str = "TERMINATED"
    result_state: str | None = None  # default: FAILED with an error, SUCCESS without
    http_errors: int = 0  # the first K API calls about this notebook get...
    http_status: int = 429  # ...this status (429, 500, 502, 503)
    retry_after: int | None = 1


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    authorized: bool
    status: int


@dataclass
class _Run:
    run_id: int
    task_run_id: int
    notebook: str
    submitted: dict[str, Any]
    polls: int = 0
    cancelled: bool = False


class FakeDatabricks:
    """A threaded HTTP server on 127.0.0.1 running notebooks by scenario; records every request."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._lock = threading.Lock()
        self._scenarios: dict[str, Scenario] = {}
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

    def scenario(self, notebook_path: str, scenario: Scenario) -> None:
        with self._lock:
            self._scenarios[notebook_path] = scenario
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
            return _http_error(self._scenarios[notebook])
        return endpoint(run, args)

    def _runs_by_any_id(self) -> dict[int, _Run]:
        return {**self._runs, **{run.task_run_id: run for run in self._runs.values()}}

    def _submit(self, _: _Run | None, body: dict) -> Reply:
        token = body.get("idempotency_token")
        if token in self._by_idempotency_token:
            return 200, {"run_id": self._by_idempotency_token[token]}, {}
        run_id, self._next_id = self._next_id, self._next_id + 2
        self._runs[run_id] = _Run(run_id, run_id + 1, _notebook_of(body), body)
        if token:
            self._by_idempotency_token[token] = run_id
        return 200, {"run_id": run_id}, {}

    def _get(self, run: _Run, _: dict) -> Reply:
        run.polls += 1
        task = run.submitted["tasks"][0]
        view = {"run_id": run.task_run_id, "task_key": task["task_key"], "attempt_number": 0}
        view |= {key: task[key] for key in ("notebook_task", "existing_cluster_id") if key in task}
        view |= {"state": self._state(run), "run_page_url": self._page(run)}
        whole = {"run_id": run.run_id, "job_id": run.run_id - 1, "run_type": "SUBMIT_RUN"}
        whole |= {"run_name": run.submitted.get("run_name"), "number_in_job": run.run_id}
        whole |= {"state": view["state"], "run_page_url": self._page(run), "tasks": [view]}
        return 200, whole, {}

    def _get_output(self, run: _Run, query: dict) -> Reply:
        if int(query["run_id"]) == run.run_id:  # asked with the run's id, not its task's
            message = (
                "Retrieving the output of runs with multiple tasks is not supported. "
                "Please retrieve the output of each individual task run instead."
            )
            return _error(400, "INVALID_PARAMETER_VALUE", message)
        state = self._state(run)
        output: dict[str, Any] = {"metadata": {"run_id": run.task_run_id, "state": state}}
        scenario = self._scenarios.get(run.notebook)
        if state.get("result_state") == "SUCCESS" and scenario is not None:
            result = {} if scenario.exit_value is None else {"result": scenario.exit_value}
            output["notebook_output"] = {**result, "truncated": False}
        elif scenario is None or scenario.error:
            output["error"] = scenario.error if scenario else state["state_message"]
            output["error_trace"] = scenario.error_trace if scenario else ""
        return 200, output, {}

    def _cancel(self, run: _Run, _: dict) -> Reply:
        run.cancelled = True
        return 200, {}, {}

    def _state(self, run: _Run) -> dict[str, Any]:
        scenario = self._scenarios.get(run.notebook)
        if run.cancelled:
            return _state("TERMINATED", "CANCELED", "Run cancelled.", user_cancelled=True)
        if scenario is None:
            return _state("INTERNAL_ERROR", "FAILED", f"Notebook not found: {run.notebook}")
        if not scenario.never_ends and run.polls >= scenario.polls:
            result = scenario.result_state or ("FAILED" if scenario.error else "SUCCESS")
            message = "" if result == "SUCCESS" else "Workload failed, see run output for details"
            return _state(scenario.life_cycle_state, result, message)
        if run.polls <= 1:
            return _state("PENDING", None, "Waiting for cluster")
        return _state("RUNNING", None, "In run")

    def _page(self, run: _Run) -> str:
        return f"{self.url}/?o={WORKSPACE_ID}#job/{run.run_id - 1}/run/{run.run_id}"


def _state(life: str, result: str | None, message: str, user_cancelled: bool = False) -> dict:
    state: dict[str, Any] = {"life_cycle_state": life, "state_message": message}
    if result is not None:
        state |= {"result_state": result, "user_cancelled_or_timedout": user_cancelled}
    return state


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
