"""The ready-queue executor with a scripted runner: DAG order, skips, priorities. No sleeping."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest

from fakes import FakeClock, Interrupted, ScriptedRunner, plan_of, statuses, taking
from fakes import notebook_task as task
from medallion_orchestrator.execution.ready_queue import ReadyQueue, ReadyQueueExecutor
from medallion_orchestrator.execution.results import TaskOutcome, TaskResult, TaskStatus
from medallion_orchestrator.graph import TaskGraph
from medallion_orchestrator.planning import NotebookTask, Plan

SUCCESS = TaskOutcome(TaskStatus.SUCCESS, "ok")


def run_in_background(executor: ReadyQueueExecutor, plan: Plan) -> Callable[[], TaskResult]:
    """Start the run on a thread; the returned function joins it and gives its results."""
    done: list[tuple[TaskResult, ...]] = []
    thread = threading.Thread(target=lambda: done.append(executor.execute(plan).results))
    thread.start()

    def join() -> tuple[TaskResult, ...]:
        thread.join(timeout=5)
        assert done, "the run did not finish"
        return done[0]

    return join  # type: ignore[return-value]


def test_tasks_run_after_what_they_depend_on_whatever_their_names() -> None:
    runner = ScriptedRunner()
    plan = plan_of(task("a", depends_on=("b",)), task("b", depends_on=("c",)), task("c"))

    run = ReadyQueueExecutor(runner, max_workers=3).execute(plan, run_id="r1")

    assert run.succeeded
    assert runner.keys == ["c", "b", "a"]
    assert [result.key for result in run.results] == ["a", "b", "c"]  # plan order
    assert (run.run_id, run.layer) == ("r1", "bronze_to_silver")


def test_a_task_starts_as_soon_as_its_own_dependencies_finish_not_the_batch() -> None:
    slow_may_finish = threading.Event()
    runner = ScriptedRunner({"slow": slow_may_finish})
    plan = plan_of(
        task("slow", 1),
        task("fast", 1),
        task("after_fast", 2, depends_on=("fast",)),
        task("after_all", 2),  # no depends_on: waits for all of order 1
    )
    join = run_in_background(ReadyQueueExecutor(runner, max_workers=3), plan)

    runner.wait_for_calls(3)
    assert set(runner.keys) == {"slow", "fast", "after_fast"}  # slow is still running
    slow_may_finish.set()
    results = join()

    assert all(result.succeeded for result in results)
    assert runner.keys[-1] == "after_all"


def test_a_failure_skips_only_its_transitive_dependents() -> None:
    runner = ScriptedRunner({"a": RuntimeError("no source table")})
    plan = plan_of(
        task("a", 1),
        task("d", 1),
        task("b", 2, depends_on=("a",)),
        task("e", 2, depends_on=("d",)),
        task("c", 3, depends_on=("b", "e")),
        task("f", 3, depends_on=("e",)),
    )

    run = ReadyQueueExecutor(runner, max_workers=2).execute(plan)

    assert statuses(run.results) == {
        "a": TaskStatus.FAILED,
        "d": TaskStatus.SUCCESS,
        "b": TaskStatus.SKIPPED,
        "e": TaskStatus.SUCCESS,
        "c": TaskStatus.SKIPPED,
        "f": TaskStatus.SUCCESS,
    }
    assert sorted(runner.keys) == ["a", "d", "e", "f"]
    for skipped in (result for result in run.results if result.status is TaskStatus.SKIPPED):
        assert skipped.message == "not started: upstream a did not succeed (FAILED)"
        assert (skipped.started_at, skipped.duration_seconds) == (None, 0.0)
    assert not run.succeeded


@pytest.mark.parametrize(
    "outcome",
    [
        TaskOutcome(TaskStatus.TIMED_OUT, "timed out after 60s"),
        TaskOutcome(TaskStatus.FAILED, "AnalysisException", error="trace"),
        TaskOutcome(TaskStatus.SKIPPED, "the loader skipped itself"),
    ],
)
def test_any_outcome_but_success_skips_the_dependents(outcome: TaskOutcome) -> None:
    runner = ScriptedRunner({"a": outcome})
    plan = plan_of(task("a"), task("b"), task("c", 2, depends_on=("a",)), task("d", 2))

    run = ReadyQueueExecutor(runner).execute(plan)

    assert statuses(run.results) == {
        "a": outcome.status,
        "b": TaskStatus.SUCCESS,
        "c": TaskStatus.SKIPPED,
        "d": TaskStatus.SKIPPED,  # no depends_on: waits for all of order 1
    }
    assert run.results[2].message == f"not started: upstream a did not succeed ({outcome.status})"


def test_rows_with_and_without_depends_on_mix() -> None:
    runner = ScriptedRunner({"b": RuntimeError("boom")})
    plan = plan_of(
        task("a", 1),
        task("b", 1),
        task("c", 2, depends_on=("a",)),
        task("d", 2),  # all of order 1
        task("e", 3),  # all of order 2: c and d
        task("f", 3, depends_on=("c",)),
    )

    run = ReadyQueueExecutor(runner, max_workers=2).execute(plan)

    assert statuses(run.results) == {
        "a": TaskStatus.SUCCESS,
        "b": TaskStatus.FAILED,
        "c": TaskStatus.SUCCESS,
        "d": TaskStatus.SKIPPED,
        "e": TaskStatus.SKIPPED,
        "f": TaskStatus.SUCCESS,
    }
    assert {r.message for r in run.results if r.status is TaskStatus.SKIPPED} == {
        "not started: upstream b did not succeed (FAILED)"
    }


def test_continue_on_failure_runs_the_dependents_anyway() -> None:
    runner = ScriptedRunner({"a": RuntimeError("boom")})
    plan = plan_of(task("a"), task("b", 2, depends_on=("a",)), task("c", 3))

    run = ReadyQueueExecutor(runner, continue_on_failure=True).execute(plan)

    assert statuses(run.results) == {
        "a": TaskStatus.FAILED,
        "b": TaskStatus.SUCCESS,
        "c": TaskStatus.SUCCESS,
    }


def test_longest_first_starts_the_longest_remaining_path_first() -> None:
    runner = ScriptedRunner()
    plan = plan_of(
        task("a_short"),
        task("b_long"),
        task("c_medium"),
        task("d_after_short", 2, depends_on=("a_short",)),
    )
    past_durations = {
        "a_short": [1.0, 2.0, 1.0],
        "b_long": [30.0, 40.0, 35.0],
        "c_medium": [20.0],
        "d_after_short": [25.0],
    }

    ReadyQueueExecutor(runner, max_workers=1, past_durations=past_durations).execute(plan)

    # remaining paths: a_short 1 + 25 = 26, b_long 35, c_medium 20
    assert runner.keys == ["b_long", "a_short", "d_after_short", "c_medium"]


def test_without_history_the_longest_chain_of_tasks_goes_first() -> None:
    runner = ScriptedRunner()
    plan = plan_of(task("a"), task("b"), task("z"), task("y", depends_on=("z",)))

    ReadyQueueExecutor(runner, max_workers=1).execute(plan)

    assert runner.keys == ["z", "a", "b", "y"]


def test_without_longest_first_ready_tasks_start_in_plan_order() -> None:
    runner = ScriptedRunner()
    plan = plan_of(task("a"), task("b"), task("z"), task("y", depends_on=("z",)))

    ReadyQueueExecutor(runner, max_workers=1, longest_first=False).execute(plan)

    assert runner.keys == ["a", "b", "z", "y"]


@pytest.mark.parametrize("max_workers", [2, 3])
def test_max_workers_bounds_concurrency(max_workers: int) -> None:
    barrier = threading.Barrier(max_workers)

    def meet(_: NotebookTask) -> TaskOutcome:
        barrier.wait(timeout=5)
        return SUCCESS

    keys = [f"t{number}" for number in range(3 * max_workers)]
    runner = ScriptedRunner(dict.fromkeys(keys, meet))

    run = ReadyQueueExecutor(runner, max_workers=max_workers).execute(
        plan_of(*(task(key) for key in keys))
    )

    assert run.succeeded
    assert runner.max_active == max_workers


@pytest.mark.parametrize("max_workers", [0, -1])
def test_max_workers_below_one_is_rejected(max_workers: int) -> None:
    with pytest.raises(ValueError, match=f"max_workers must be at least 1, got {max_workers}"):
        ReadyQueueExecutor(ScriptedRunner(), max_workers=max_workers)


def test_a_cycle_or_unknown_dependency_runs_nothing() -> None:
    runner = ScriptedRunner()
    cyclic = plan_of(task("a", depends_on=("b",)), task("b", depends_on=("a",)), task("c"))

    with pytest.raises(ValueError, match="depends_on cycle: a -> b -> a"):
        ReadyQueueExecutor(runner).execute(cyclic)
    assert runner.keys == []


def test_listeners_get_every_result_and_even_a_listener_raising_base_exception_is_contained() -> (
    None
):
    seen: list[tuple[str, TaskStatus]] = []

    def record(result: TaskResult) -> None:
        seen.append((result.key, result.status))
        if result.key == "c":
            raise Interrupted("the run log died")

    runner = ScriptedRunner({"a": RuntimeError("boom")})
    plan = plan_of(task("a"), task("b", 2, depends_on=("a",)), task("c"), task("d", 2, ("c",)))

    run = ReadyQueueExecutor(runner, listeners=[record]).execute(plan)

    assert sorted(seen) == [
        ("a", TaskStatus.FAILED),
        ("b", TaskStatus.SKIPPED),
        ("c", TaskStatus.SUCCESS),
        ("d", TaskStatus.SKIPPED),
    ]
    lost = next(result for result in run.results if result.key == "c")
    assert lost.status is TaskStatus.FAILED
    assert lost.message == "the worker broke: Interrupted: the run log died"
    assert statuses(run.results)["d"] is TaskStatus.SKIPPED


def test_results_carry_times_from_the_clock() -> None:
    clock = FakeClock()
    start = clock.now()

    runner = ScriptedRunner({"a": taking(clock, 2.0), "b": taking(clock, 3.5)})
    plan = plan_of(task("a"), task("b", 2, depends_on=("a",)))

    run = ReadyQueueExecutor(runner, max_workers=1, clock=clock).execute(plan)

    a, b = run.results
    assert (a.started_at, a.duration_seconds) == (start, 2.0)
    assert (b.started_at, b.ended_at) == (
        start + timedelta(seconds=2),
        start + timedelta(seconds=5.5),
    )
    assert run.duration_seconds == 5.5
    assert clock.sleeps == []


def test_the_ready_queue_alone_pops_by_priority_and_abandons_dependents() -> None:
    graph = TaskGraph.of([task("a"), task("b"), task("c", 2, ("a",)), task("d", 3, ("c",))])
    queue = ReadyQueue(graph, {"a": 1.0, "b": 5.0})

    assert [queue.pop().key, queue.pop().key, queue.pop()] == ["b", "a", None]  # type: ignore[union-attr]
    queue.finished("b")
    assert queue.abandon("a") == ["c", "d"]
    assert queue.pop() is None
    assert not queue.unfinished
