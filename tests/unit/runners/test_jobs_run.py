"""Reading a Jobs run's state and its limits, on hand-built databricks-sdk objects."""

from __future__ import annotations

from databricks.sdk.service import jobs

from fakes import FakeClock
from medallion_orchestrator.runners.jobs_run import RunLimits, Seen, read_run


def seen(state: str) -> Seen:
    return Seen(state, None, "", None, 1)


def test_a_run_without_tasks_is_read_from_the_run_itself() -> None:
    state = jobs.RunState(
        jobs.RunLifeCycleState.TERMINATED, result_state=jobs.RunResultState.SUCCESS
    )

    reading = read_run(jobs.Run(run_id=7, state=state))

    assert (reading.state, reading.ending, reading.task_run_id) == ("TERMINATED", "SUCCESS", 7)


def test_a_status_without_a_state_name_falls_back_to_the_deprecated_state() -> None:
    queued = jobs.RunState(jobs.RunLifeCycleState.QUEUED, queue_reason="waiting for a slot")
    task = jobs.RunTask(task_key="t", run_id=8, status=jobs.RunStatus(), state=queued)

    reading = read_run(jobs.Run(run_id=7, tasks=[task]))

    assert (reading.state, reading.queue_reason, reading.ending) == (
        "QUEUED",
        "waiting for a slot",
        None,
    )


def test_an_unknown_state_is_neither_started_nor_ended() -> None:
    reading = read_run(jobs.Run(run_id=7))

    assert (reading.state, reading.ending, reading.started) == ("UNKNOWN", None, False)


def test_a_timeout_of_zero_means_no_timeout_once_started() -> None:
    clock = FakeClock()
    limits = RunLimits(clock, queue_seconds=60, timeout_seconds=0, submitted_at=0)

    assert limits.passed(seen("RUNNING")) is None
    clock.advance(10**6)
    assert limits.passed(seen("RUNNING")) is None


def test_the_queue_limit_counts_from_submission_until_the_task_starts() -> None:
    clock = FakeClock()
    limits = RunLimits(clock, queue_seconds=60, timeout_seconds=30, submitted_at=0)

    clock.advance(50)
    assert limits.passed(seen("PENDING")) is None
    clock.advance(5)
    assert limits.passed(seen("RUNNING")) is None  # started at 55 s: the timeout runs from here
    clock.advance(29)
    assert limits.passed(seen("PENDING")) is None  # waiting again after starting: the task's time
    clock.advance(1)
    assert limits.passed(seen("RUNNING")) == "timeout"


def test_a_task_that_never_starts_passes_the_queue_limit() -> None:
    clock = FakeClock()
    limits = RunLimits(clock, queue_seconds=60, timeout_seconds=30, submitted_at=0)

    clock.advance(60)

    assert limits.passed(seen("BLOCKED")) == "queue"
