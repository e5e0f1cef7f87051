from __future__ import annotations

import pytest

from fakes import FakeClock
from medallion_orchestrator.runners.retrying import RetryingRunner, RetryPolicy, is_transient
from medallion_orchestrator.tasks import LoadReport, NotebookTask, TaskOutcome, TaskStatus

# The child notebook decides what is transient (exit_value.run_and_exit) and says so.
CONFLICT = TaskOutcome(
    TaskStatus.FAILED,
    "ConcurrentAppendException: Files were added to the root of the table",
    "io.delta.exceptions.ConcurrentAppendException: ...",
    transient=True,
)
WRONG_COLUMN = TaskOutcome(
    TaskStatus.FAILED, "AnalysisException: [UNRESOLVED_COLUMN] `amount` cannot be resolved", "..."
)
OK = TaskOutcome(TaskStatus.SUCCESS, "loaded", load=LoadReport("dev_silver.shop.orders", 3))


class Script:
    def __init__(self, *outcomes: TaskOutcome | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def run(self, task: NotebookTask) -> TaskOutcome:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def task(max_retries: int | None = None) -> NotebookTask:
    return NotebookTask("dev_silver.shop.orders", "silver/x", 1, 60, max_retries=max_retries)


@pytest.mark.parametrize(
    ("outcome", "transient"),
    [
        (CONFLICT, True),
        (WRONG_COLUMN, False),
        # the flag decides, not the text: on Databricks the text is "Workload failed"
        (TaskOutcome(TaskStatus.FAILED, "ConcurrentAppendException", transient=False), False),
        (TaskOutcome(TaskStatus.TIMED_OUT, "Service Unavailable", transient=True), False),
        (OK, False),
    ],
)
def test_only_transient_errors_are_retried(outcome: TaskOutcome, transient: bool) -> None:
    assert is_transient(outcome) is transient


def test_a_transient_error_twice_then_success() -> None:
    clock, runner = FakeClock(), Script(CONFLICT, CONFLICT, OK)
    failed: list[int] = []
    retrying = RetryingRunner(
        runner,
        RetryPolicy(max_retries=3, first_delay_seconds=10),
        clock,
        on_failed_attempt=lambda t, o, attempt, s, e: failed.append(attempt),
    )
    outcome = retrying.run(task())
    assert outcome.status is TaskStatus.SUCCESS
    assert (outcome.load, outcome.attempts) == (OK.load, 3)
    assert clock.sleeps == [10, 20]
    assert failed == [1, 2]


def test_a_wrong_column_fails_at_once() -> None:
    clock, runner = FakeClock(), Script(WRONG_COLUMN)
    outcome = RetryingRunner(runner, RetryPolicy(max_retries=3), clock).run(task())
    assert outcome.status is TaskStatus.FAILED
    assert outcome.attempts == 1
    assert runner.calls == 1
    assert clock.sleeps == []


def test_retries_stop_at_the_row_limit() -> None:
    clock, runner = FakeClock(), Script(CONFLICT, CONFLICT, CONFLICT)
    outcome = RetryingRunner(runner, RetryPolicy(max_retries=5), clock).run(task(max_retries=2))
    assert outcome.status is TaskStatus.FAILED
    assert outcome.attempts == 3
    assert runner.calls == 3


def test_a_raising_runner_becomes_a_failed_attempt() -> None:
    runner = Script(RuntimeError("ConcurrentAppendException from the runner"), OK)
    outcome = RetryingRunner(runner, RetryPolicy(max_retries=1), FakeClock()).run(task())
    assert outcome.status is TaskStatus.SUCCESS
    assert outcome.attempts == 2


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(first_delay_seconds=10, max_delay_seconds=35)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [10, 20, 35, 35]
