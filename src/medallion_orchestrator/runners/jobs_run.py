"""Reading a one-time Jobs run: which state its task is in, and how long to wait for it.

- The task's state is read from its own entry in the run's `tasks`, the latest attempt (a retry
  is a new task run); from the run itself when it lists no tasks. The run's own state is not
  the task's: it says FAILED whatever stopped the task.
- `status` is read first; the deprecated `state` when a workspace sends no `status`. A timeout
  is TIMEDOUT in `state`; `status` has no code for it: the task ends CANCELED, which
  databricks-sdk documents as cancelled by the platform, "for example, if the maximum run
  duration was exceeded". So without `state`, a task with a timeout ended CANCELED timed out
  (a user's or the orchestrator's cancel is USER_CANCELED).
- The task's timeout counts from when it is first seen started (RUNNING, TERMINATING, waiting
  for a retry); before that, QUEUED, PENDING or BLOCKED time counts against a queue limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from databricks.sdk.service import jobs

from medallion_orchestrator.clock import Clock

Life = jobs.RunLifeCycleState
Status = jobs.RunLifecycleStateV2State
# States in which the task has started: its timeout runs. Before them, queue time runs.
_STARTED = {"RUNNING", "TERMINATING", "WAITING_FOR_RETRY", "WAITING"}


@dataclass(frozen=True)
class Seen:
    """One poll's reading of the task: from `status`, else from the deprecated `state`."""

    state: str  # QUEUED, PENDING, BLOCKED, RUNNING, ..., TERMINATED
    ending: str | None  # once ended: SUCCESS, FAILED, TIMEDOUT, CANCELED, SKIPPED, a code...
    message: str  # Databricks' state or termination message
    queue_reason: str | None
    task_run_id: int | None  # runs/get-output answers only for this id

    @property
    def started(self) -> bool:
        return self.state in _STARTED


@dataclass
class RunLimits:
    """The two clocks of a run: time waiting to start, then the task's time since it started."""

    clock: Clock
    queue_seconds: float
    timeout_seconds: float  # 0: no timeout
    submitted_at: float
    started_at: float | None = None

    def passed(self, seen: Seen) -> str | None:
        """The limit that has passed ("queue" or "timeout"), else None."""
        now = self.clock.monotonic()
        if self.started_at is None and seen.started:
            self.started_at = now
        if self.left(now) > 0:
            return None
        return "queue" if self.started_at is None else "timeout"

    def left(self, now: float) -> float:
        if self.started_at is None:
            return self.queue_seconds - (now - self.submitted_at)
        if not self.timeout_seconds:
            return float("inf")
        return self.timeout_seconds - (now - self.started_at)


def read_run(run: jobs.Run) -> Seen:
    """The submitted task's state: its latest attempt's, or the run's when it lists no tasks."""
    attempts = sorted(run.tasks or [], key=lambda task: task.attempt_number or 0)
    subject: jobs.Run | jobs.RunTask = attempts[-1] if attempts else run
    status, state = subject.status, subject.state
    if status is not None and status.state is not None:
        has_timeout = bool(getattr(subject, "timeout_seconds", None))
        return _from_status(status, state, subject.run_id, has_timeout)
    return _from_state(state or jobs.RunState(), subject.run_id)


def _from_status(
    status: jobs.RunStatus, state: jobs.RunState | None, run_id: int | None, has_timeout: bool
) -> Seen:
    details = status.termination_details or jobs.TerminationDetails()
    ending = None
    if status.state is Status.TERMINATED:
        ending = details.code.value if details.code else "TERMINATED"
        if _timed_out(details, state, has_timeout):
            ending = "TIMEDOUT"
    message = details.message or (state.state_message if state else None) or ""
    queue = status.queue_details
    reason = (queue.message or _name(queue.code)) if queue else None
    return Seen(_name(status.state), ending, message, reason, run_id)


def _timed_out(
    details: jobs.TerminationDetails, state: jobs.RunState | None, has_timeout: bool
) -> bool:
    if state is not None and state.result_state is not None:
        return state.result_state is jobs.RunResultState.TIMEDOUT
    return has_timeout and details.code is jobs.TerminationCodeCode.CANCELED


def _from_state(state: jobs.RunState, run_id: int | None) -> Seen:
    life = state.life_cycle_state
    ending = None
    if life in (Life.SKIPPED, Life.INTERNAL_ERROR):
        ending = life.value
    elif life is Life.TERMINATED:
        ending = _name(state.result_state or life)
    message = state.state_message or ""
    return Seen(_name(life), ending, message, state.queue_reason or None, run_id)


def _name(value: Enum | None) -> str:
    return str(value.value) if value is not None else "UNKNOWN"
