"""Stopping a run: no task starts after the stop, running ones end CANCELLED, both schedulers."""

from __future__ import annotations

import threading

import pytest

from fakes import FakeClock, ScriptedRunner, plan_of
from fakes import notebook_task as task
from medallion_orchestrator.execution.cancellation import (
    NOT_STARTED,
    Cancellation,
    StoppableClock,
    StoppableRunner,
)
from medallion_orchestrator.execution.executor import BatchExecutor
from medallion_orchestrator.execution.ready_queue import ReadyQueueExecutor
from medallion_orchestrator.tasks import NotebookTask, TaskOutcome, TaskStatus


class StoppedBy:
    """A runner step that waits until the run is cancelled, then fails as a killed job does."""

    def __init__(self, cancellation: Cancellation) -> None:
        self.cancellation = cancellation

    def __call__(self, task: NotebookTask) -> TaskOutcome:
        assert self.cancellation.wait(5), "the test never cancelled the run"
        return TaskOutcome(TaskStatus.FAILED, "An error occurred while calling o66.sql.")


@pytest.mark.parametrize("executor_class", [BatchExecutor, ReadyQueueExecutor])
def test_a_stopped_run_cancels_what_runs_and_starts_nothing(executor_class: type) -> None:
    cancellation = Cancellation()
    clock = FakeClock()
    scripted = ScriptedRunner({"a": StoppedBy(cancellation), "b": StoppedBy(cancellation)})
    runner = StoppableRunner(scripted, cancellation, clock)
    executor = executor_class(runner, max_workers=2, clock=clock, cancellation=cancellation)
    plan = plan_of(task("a", 1), task("b", 1), task("c", 1), task("d", 2))
    stopper = threading.Thread(target=lambda: (scripted.wait_for_calls(2), cancellation.cancel()))
    stopper.start()

    result = executor.execute(plan)
    stopper.join()

    assert {r.key: r.status for r in result.results} == {
        "a": TaskStatus.CANCELLED,
        "b": TaskStatus.CANCELLED,
        "c": TaskStatus.SKIPPED,
        "d": TaskStatus.SKIPPED,
    }
    assert scripted.keys == ["a", "b"] or sorted(scripted.keys) == ["a", "b"]
    cancelled = next(r for r in result.results if r.key == "a")
    assert cancelled.message.startswith("cancelled: the run was stopped")
    assert not cancelled.transient
    assert {r.message for r in result.results if r.key in "cd"} == {NOT_STARTED}


def test_no_attempt_starts_after_the_stop_and_a_backoff_ends_at_once() -> None:
    cancellation, clock = Cancellation(), FakeClock()
    scripted = ScriptedRunner()
    runner = StoppableRunner(scripted, cancellation, clock)
    cancellation.cancel("stopped by SIGINT")

    outcome = runner.run(task("a", 1))
    StoppableClock(clock, cancellation).sleep(300)

    assert outcome.status is TaskStatus.CANCELLED
    assert scripted.calls == []
    assert clock.sleeps == []


def test_callbacks_run_once_off_the_calling_thread() -> None:
    cancellation = Cancellation()
    seen: list[str] = []
    done = threading.Event()
    cancellation.on_cancel(lambda: (seen.append(threading.current_thread().name), done.set()))
    cancellation.cancel()
    cancellation.cancel()
    assert done.wait(5)
    assert seen == ["medallion-cancel"]
