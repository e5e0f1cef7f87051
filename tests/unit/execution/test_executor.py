"""The batch executor with a scripted runner: failures, skips, concurrency, listeners, time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest

from fakes import FakeClock, Interrupted, ScriptedRunner, Step, statuses, taking
from medallion_orchestrator.execution.executor import BatchExecutor
from medallion_orchestrator.execution.results import TaskOutcome, TaskResult, TaskStatus
from medallion_orchestrator.planning import Batch, NotebookTask, Plan

SUCCESS = TaskOutcome(TaskStatus.SUCCESS, "ok")


def make_plan(*batches: list[str]) -> Plan:
    """make_plan(["a", "b"], ["c"]): batch N has execution_order N, tasks named by key."""
    return Plan(
        "bronze_to_silver",
        tuple(
            Batch(order, tuple(NotebookTask(key, f"nb/{key}", order, 60) for key in keys))
            for order, keys in enumerate(batches, start=1)
        ),
    )


def meet(barrier: threading.Barrier) -> Callable[[NotebookTask], TaskOutcome]:
    """A step that returns only once `barrier.parties` tasks are running at the same time."""

    def step(task: NotebookTask) -> TaskOutcome:
        barrier.wait(timeout=5)
        return SUCCESS

    return step


def test_all_succeed() -> None:
    runner = ScriptedRunner({"a": TaskOutcome(TaskStatus.SUCCESS, "merged", output={"rows": 3})})

    run = BatchExecutor(runner, max_workers=2).execute(make_plan(["a", "b"], ["c"]), run_id="r1")

    assert run.succeeded
    assert (run.run_id, run.layer) == ("r1", "bronze_to_silver")
    assert [(result.key, result.status) for result in run.results] == [
        ("a", TaskStatus.SUCCESS),
        ("b", TaskStatus.SUCCESS),
        ("c", TaskStatus.SUCCESS),
    ]
    assert run.results[0].message == "merged"
    assert run.results[0].output == {"rows": 3}
    assert run.results[0].notebook == "nb/a"
    assert sorted(runner.keys) == ["a", "b", "c"]


def test_a_run_id_is_made_when_none_is_given() -> None:
    run = BatchExecutor(ScriptedRunner()).execute(make_plan(["a"]))

    assert len(run.run_id) == 12


def test_a_task_that_raises_fails_its_siblings_run_and_later_batches_are_skipped() -> None:
    a_failed = threading.Event()

    def fail(task: NotebookTask) -> TaskOutcome:
        a_failed.set()
        raise ValueError("no column customer_id\nin dev_bronze.shop.customers")

    runner = ScriptedRunner({"a": fail, "b": a_failed})  # b finishes only after a has raised

    run = BatchExecutor(runner, max_workers=2).execute(make_plan(["a", "b"], ["c"], ["d"]))

    assert statuses(run.results) == {
        "a": TaskStatus.FAILED,
        "b": TaskStatus.SUCCESS,
        "c": TaskStatus.SKIPPED,
        "d": TaskStatus.SKIPPED,
    }
    failed = run.results[0]
    assert failed.message == "ValueError: no column customer_id"
    assert failed.error is not None
    assert failed.error.startswith("Traceback (most recent call last):")
    assert "in fail" in failed.error
    assert failed.error.rstrip().endswith(
        "ValueError: no column customer_id\nin dev_bronze.shop.customers"
    )
    for skipped in run.results[2:]:
        assert skipped.message == (
            "not started: batch 1 (execution_order 1) had 1 task(s) not succeed: a"
        )
        assert skipped.started_at is None
        assert skipped.duration_seconds == 0.0
    assert sorted(runner.keys) == ["a", "b"]
    assert not run.succeeded
    assert [result.key for result in run.not_succeeded] == ["a", "c", "d"]


def test_even_a_base_exception_becomes_a_failed_result() -> None:
    run = BatchExecutor(ScriptedRunner({"a": Interrupted("stop")})).execute(make_plan(["a"]))

    assert run.results[0].status is TaskStatus.FAILED
    assert run.results[0].message == "Interrupted: stop"


@pytest.mark.parametrize(
    "outcome",
    [
        TaskOutcome(TaskStatus.FAILED, "AnalysisException", error="trace"),
        TaskOutcome(TaskStatus.TIMED_OUT, "timed out after 60s"),
        TaskOutcome(TaskStatus.SKIPPED, "the loader skipped itself"),
    ],
)
def test_an_outcome_that_is_not_success_blocks_later_batches(outcome: TaskOutcome) -> None:
    runner = ScriptedRunner({"b": outcome})

    run = BatchExecutor(runner).execute(make_plan(["a", "b"], ["c"]))

    assert statuses(run.results) == {
        "a": TaskStatus.SUCCESS,
        "b": outcome.status,
        "c": TaskStatus.SKIPPED,
    }
    assert run.results[1].message == outcome.message
    assert run.results[1].error == outcome.error
    assert "not succeed: b" in run.results[2].message
    assert not run.succeeded
    assert "c" not in runner.keys


def test_the_skip_reason_names_every_failed_task_of_the_batch() -> None:
    runner = ScriptedRunner({"a": RuntimeError("x"), "b": TaskOutcome(TaskStatus.TIMED_OUT)})

    run = BatchExecutor(runner).execute(make_plan(["ok"], ["a", "b", "c"], ["d"]))

    assert run.results[-1].message == (
        "not started: batch 2 (execution_order 2) had 2 task(s) not succeed: a, b"
    )


def test_continue_on_failure_runs_later_batches() -> None:
    runner = ScriptedRunner({"a": RuntimeError("boom"), "c": TaskOutcome(TaskStatus.TIMED_OUT)})
    executor = BatchExecutor(runner, continue_on_failure=True)

    run = executor.execute(make_plan(["a", "b"], ["c"], ["d"]))

    assert statuses(run.results) == {
        "a": TaskStatus.FAILED,
        "b": TaskStatus.SUCCESS,
        "c": TaskStatus.TIMED_OUT,
        "d": TaskStatus.SUCCESS,
    }
    assert sorted(runner.keys) == ["a", "b", "c", "d"]
    assert not run.succeeded


def test_tasks_of_a_batch_run_in_parallel_up_to_max_workers() -> None:
    barrier = threading.Barrier(3)
    runner = ScriptedRunner(dict.fromkeys("abc", meet(barrier)))

    run = BatchExecutor(runner, max_workers=3).execute(make_plan(["a", "b", "c"]))

    assert run.succeeded  # the barrier was met: all three ran at once
    assert runner.max_active == 3


@pytest.mark.parametrize("max_workers", [2, 3])
def test_max_workers_bounds_concurrency(max_workers: int) -> None:
    barrier = threading.Barrier(max_workers)  # tasks pass max_workers at a time
    keys = [f"t{number}" for number in range(3 * max_workers)]
    runner = ScriptedRunner(dict.fromkeys(keys, meet(barrier)))

    run = BatchExecutor(runner, max_workers=max_workers).execute(make_plan(keys))

    assert run.succeeded
    assert runner.max_active == max_workers
    assert len(runner.threads) == max_workers


def test_a_batch_starts_only_after_the_previous_batch_has_finished() -> None:
    barrier = threading.Barrier(2)
    running_when_c_started: list[int] = []
    runner = ScriptedRunner()

    def record(task: NotebookTask) -> TaskOutcome:
        running_when_c_started.append(runner.active)
        return SUCCESS

    steps: dict[str, Step] = {"a": meet(barrier), "b": meet(barrier), "c": record}
    runner.script.update(steps)

    BatchExecutor(runner, max_workers=4).execute(make_plan(["a", "b"], ["c"]))

    assert running_when_c_started == [1]  # only c itself


def test_the_executor_waits_while_a_task_is_running() -> None:
    gate = threading.Event()
    runner = ScriptedRunner({"b": gate})
    executor = BatchExecutor(runner, max_workers=2)
    results: list[bool] = []
    thread = threading.Thread(
        target=lambda: results.append(executor.execute(make_plan(["a", "b"], ["c"])).succeeded)
    )

    thread.start()
    runner.wait_for_calls(2)
    assert "c" not in runner.keys
    assert results == []
    gate.set()
    thread.join(timeout=5)

    assert results == [True]
    assert runner.keys[-1] == "c"


@pytest.mark.parametrize("max_workers", [0, -1])
def test_max_workers_below_one_is_rejected(max_workers: int) -> None:
    with pytest.raises(ValueError, match=f"max_workers must be at least 1, got {max_workers}"):
        BatchExecutor(ScriptedRunner(), max_workers=max_workers)


def test_listeners_get_every_result_and_a_failing_listener_does_not_break_the_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[tuple[str, TaskStatus]] = []

    def broken(result: TaskResult) -> None:
        raise RuntimeError("the run log is down")

    def record(result: TaskResult) -> None:
        seen.append((result.key, result.status))

    runner = ScriptedRunner({"b": RuntimeError("boom")})
    executor = BatchExecutor(runner, max_workers=2, listeners=[broken, record])

    run = executor.execute(make_plan(["a", "b"], ["c"]))

    assert sorted(seen) == [
        ("a", TaskStatus.SUCCESS),
        ("b", TaskStatus.FAILED),
        ("c", TaskStatus.SKIPPED),
    ]
    assert len(run.results) == 3
    assert "result listener failed for a" in caplog.text
    assert "result listener failed for c" in caplog.text


def test_results_carry_times_from_the_clock() -> None:
    clock = FakeClock()
    start = clock.now()

    runner = ScriptedRunner(
        {"a": taking(clock, 2.0), "b": taking(clock, 3.5), "c": RuntimeError("x")}
    )
    executor = BatchExecutor(runner, max_workers=1, clock=clock)

    run = executor.execute(make_plan(["a", "b"], ["c"], ["d"]))

    a, b, c, d = run.results
    assert (a.started_at, a.ended_at, a.duration_seconds) == (
        start,
        start + timedelta(seconds=2),
        2.0,
    )
    assert (b.started_at, b.ended_at, b.duration_seconds) == (
        start + timedelta(seconds=2),
        start + timedelta(seconds=5.5),
        3.5,
    )
    assert (c.started_at, c.ended_at, c.duration_seconds) == (
        start + timedelta(seconds=5.5),
        start + timedelta(seconds=5.5),
        0.0,
    )
    assert (d.started_at, d.ended_at, d.duration_seconds) == (None, None, 0.0)
    assert (run.started_at, run.ended_at, run.duration_seconds) == (
        start,
        start + timedelta(seconds=5.5),
        5.5,
    )
    assert clock.sleeps == []


def test_each_batch_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="medallion_orchestrator.execution.executor")

    BatchExecutor(ScriptedRunner({"b": RuntimeError("boom")})).execute(make_plan(["a", "b"]))

    assert "batch 1/1 (execution_order 1): 2 task(s)" in caplog.text
