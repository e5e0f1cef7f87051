"""A run's timeline from hand-made attempts: lanes, waits, critical path, lower bound, and two
runs compared. No Spark: the history rows are written here as they come from task_run_log."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest

from medallion_orchestrator.history.run_comparison import compare_runs
from medallion_orchestrator.history.timeline import (
    Attempt,
    Timeline,
    Wait,
    assign_lanes,
    build_timeline,
    critical_path,
)
from medallion_orchestrator.history.timeline_view import print_comparison

T0 = datetime(2026, 12, 1, 9, 0, 0)


def attempt(
    task: str,
    start: float | None,
    end: float | None,
    order: int = 1,
    status: str = "SUCCESS",
    number: int = 1,
    error: str | None = None,
) -> Attempt:
    return Attempt.of_row(
        {
            "task": task,
            "attempt": number,
            "status": status,
            "execution_order": order,
            "started_at": None if start is None else T0 + timedelta(seconds=start),
            "ended_at": None if end is None else T0 + timedelta(seconds=end),
            "rows_written": 7,
            "error": error,
        }
    )


def test_lanes_are_reused_once_free_and_as_many_as_ran_at_once() -> None:
    # a runs throughout; c starts as b ends, so takes b's lane; d overlaps a and c
    lanes = assign_lanes([(0, 10), (0, 4), (4, 8), (5, 6), (9, 12)])
    assert lanes == [0, 1, 1, 2, 1]


def test_batches_make_the_critical_path_and_the_wait_between_them() -> None:
    timeline = build_timeline(
        "r1",
        [
            attempt("s.a", 0, 10),
            attempt("s.b", 0, 4),
            attempt("s.c", 11, 14, order=2),
            attempt("s.d", 12, 13, order=2),
        ],
    )
    assert timeline.critical_path == ("s.a", "s.c")
    assert timeline.critical_seconds == 13
    assert [bar.task for bar in timeline.bars if bar.critical] == ["s.a", "s.c"]
    assert timeline.waits == (Wait(after_order=1, start=10, end=11),)
    assert timeline.lanes == 2
    assert timeline.makespan == 14
    assert timeline.work_seconds == 18
    assert timeline.lower_bound == 13  # the path, more than 18 s of work on 2 lanes


def test_the_lower_bound_is_the_work_per_lane_when_that_is_longer() -> None:
    timeline = build_timeline("r1", [attempt(f"s.t{i}", i * 0.5, 10 + i * 0.5) for i in range(3)])
    assert timeline.lanes == 3
    assert timeline.critical_seconds == 10
    assert timeline.lower_bound == 10
    crowded = build_timeline(
        "r2", [attempt("s.a", 0, 10), attempt("s.b", 0, 10), attempt("s.c", 10, 20)]
    )
    assert crowded.lanes == 2
    assert crowded.lower_bound == 15  # 30 s of work on 2 lanes; no task waits for another


def test_the_lower_bound_divides_the_work_by_the_recorded_workers() -> None:
    attempts = [attempt("s.a", 0, 10), attempt("s.b", 0, 10), attempt("s.c", 10, 20)]

    recorded = build_timeline("r", attempts, workers=3)

    assert (recorded.lanes, recorded.workers) == (2, 3)
    assert recorded.lower_bound == 10  # 30 s of work on 3 workers: no less than its longest task


def test_depends_on_replaces_the_execution_order_rule() -> None:
    attempts = [
        attempt("s.a", 0, 10),
        attempt("s.b", 0, 2),
        attempt("s.c", 10, 11, order=2),
        attempt("s.e", 2, 5, order=2),
    ]
    by_order = build_timeline("r", attempts)
    assert by_order.critical_path == ("s.a", "s.e")
    dag = build_timeline("r", attempts, depends_on={"s.c": ["s.a"], "s.e": ["s.b", "s.gone"]})
    assert dag.critical_path == ("s.a", "s.c")
    assert dag.critical_seconds == 11


def test_retries_and_timeouts_are_their_own_bars_and_never_started_tasks_have_none() -> None:
    timeline = build_timeline(
        "r",
        [
            attempt("s.x", 0, 2, status="FAILED", error="ConcurrentAppendException"),
            attempt("s.x", 3, 5, number=2),
            attempt("s.slow", 0, 30, status="TIMED_OUT", error="past its timeout of 30 s"),
            attempt("s.later", None, None, order=2, status="SKIPPED", number=0),
        ],
    )
    bars = {(bar.task, bar.attempt): bar for bar in timeline.bars}
    assert sorted(bars) == [("s.slow", 1), ("s.x", 1), ("s.x", 2)]
    assert bars["s.x", 1].retried
    assert not bars["s.x", 2].retried
    assert bars["s.x", 1].error == "ConcurrentAppendException"
    assert bars["s.slow", 1].timed_out
    assert timeline.task_seconds() == {"s.x": 5, "s.slow": 30}
    assert timeline.final_status() == {"s.x": "SUCCESS", "s.slow": "TIMED_OUT"}


def test_the_clock_starts_at_the_runs_start() -> None:
    timeline = build_timeline("r", [attempt("s.a", 5, 7)], run_started_at=T0 + timedelta(seconds=1))
    assert (timeline.bars[0].start, timeline.bars[0].end) == (4, 6)
    assert (timeline.first_start, timeline.makespan) == (4, 2)


def test_a_run_with_no_attempt_has_an_empty_timeline() -> None:
    timeline = build_timeline("r", [attempt("s.a", None, None, status="SKIPPED", number=0)])
    assert (timeline.bars, timeline.lanes, timeline.lower_bound) == ((), 0, 0)


def test_critical_path_takes_the_longest_chain() -> None:
    upstream = {"a": frozenset(), "b": frozenset(), "c": frozenset({"a", "b"})}
    assert critical_path({"a": 1, "b": 5, "c": 2}, upstream) == (("b", "c"), 7)
    assert critical_path({}, {}) == ((), 0)


def run(run_id: str, seconds: dict[str, float], failed: tuple[str, ...] = ()) -> Timeline:
    return build_timeline(
        run_id,
        [
            attempt(task, 0, length, status="FAILED" if task in failed else "SUCCESS")
            for task, length in seconds.items()
        ],
    )


def test_compare_names_tasks_beyond_the_noise_new_failures_and_the_makespan() -> None:
    before = run("old", {"s.big": 100, "s.small": 2, "s.steady": 50, "s.quick": 40, "s.bad": 5})
    after = run(
        "new",
        {"s.big": 130, "s.small": 2.9, "s.steady": 55, "s.quick": 20, "s.bad": 5, "s.new": 1},
        failed=("s.bad", "s.new"),
    )
    comparison = compare_runs(after, before)
    assert [(c.task, c.before, c.after) for c in comparison.slower] == [("s.big", 100, 130)]
    assert [(c.task, c.delta) for c in comparison.faster] == [("s.quick", -20)]
    # s.small: +45% but under a second; s.steady: +5 s but 10%
    assert [(f.task, f.before) for f in comparison.new_failures] == [
        ("s.bad", "SUCCESS"),
        ("s.new", None),
    ]
    assert (comparison.makespan_before, comparison.makespan_after) == (100, 130)
    assert comparison.makespan_delta == 30


def test_a_task_that_failed_both_times_is_no_new_failure() -> None:
    before = run("old", {"s.bad": 5}, failed=("s.bad",))
    after = run("new", {"s.bad": 5}, failed=("s.bad",))
    assert compare_runs(after, before).new_failures == ()


@pytest.mark.parametrize(("after", "slower"), [(12.5, True), (11.9, False)])
def test_the_noise_is_a_share_of_the_previous_seconds(after: float, slower: bool) -> None:
    comparison = compare_runs(run("new", {"s.a": after}), run("old", {"s.a": 10}))
    assert bool(comparison.slower) is slower


def test_the_comparison_table_names_each_change() -> None:
    before = run("old", {"s.big": 100, "s.quick": 40, "s.bad": 5})
    after = run("new", {"s.big": 130, "s.quick": 20, "s.bad": 5}, failed=("s.bad",))
    out = io.StringIO()
    print_comparison(compare_runs(after, before), out)
    text = out.getvalue()
    assert "new against old: makespan 100.0 s -> 130.0 s (+30.0 s)" in text
    lines = {line.split("│")[2].strip(): line for line in text.splitlines() if "s." in line}
    assert "slower" in lines["s.big"] and "+30.0" in lines["s.big"]
    assert "faster" in lines["s.quick"] and "-20.0" in lines["s.quick"]
    assert "new failure" in lines["s.bad"] and "FAILED" in lines["s.bad"]


def test_a_comparison_with_nothing_changed_says_so() -> None:
    out = io.StringIO()
    print_comparison(compare_runs(run("new", {"s.a": 10}), run("old", {"s.a": 10.5})), out)
    assert "no task slower or faster beyond the noise, and no new failure" in out.getvalue()
