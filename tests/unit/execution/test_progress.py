"""A run's progress: counts, the running tasks longest first, the time left, one line per end."""

from __future__ import annotations

import logging

import pytest

from fakes import FakeClock
from medallion_orchestrator.execution.progress import ProgressView, Running, RunProgress
from medallion_orchestrator.tasks import TaskResult, TaskStatus

KEYS = ["a", "b", "c", "d"]


def ended(key: str, status: TaskStatus, message: str = "") -> TaskResult:
    return TaskResult(key, f"nb/{key}", 1, status, message, None, None, 2.5)


def progress_of(
    past_durations: dict[str, list[float]], workers: int = 2
) -> tuple[RunProgress, FakeClock]:
    clock = FakeClock()
    progress = RunProgress(clock)
    progress.begin("layer_a", KEYS, past_durations, workers)
    return progress, clock


def test_counts_and_the_running_tasks_longest_first() -> None:
    progress, clock = progress_of({})
    progress.started("a")
    clock.advance(5)
    progress.started("b")
    progress.started("c")
    clock.advance(2)
    progress.finished(ended("c", TaskStatus.FAILED, "boom"))

    view = progress.view()

    assert view == ProgressView(
        layer="layer_a",
        total=4,
        done=1,
        failed=1,
        skipped=0,
        running=(Running("a", 7.0), Running("b", 2.0)),
        seconds_left=None,  # no past durations: no estimate
    )
    assert view.counts() == "1 of 4 done, 2 running, 1 queued, 1 failed, 0 skipped"


def test_skipped_up_to_date_and_cancelled_are_counted_apart() -> None:
    progress, _ = progress_of({})
    for key, status in zip(
        KEYS,
        [TaskStatus.SKIPPED, TaskStatus.UP_TO_DATE, TaskStatus.CANCELLED, TaskStatus.SUCCESS],
        strict=True,
    ):
        progress.finished(ended(key, status))

    view = progress.view()

    assert (view.done, view.failed, view.skipped, view.queued) == (4, 1, 1, 0)


def test_a_retry_keeps_the_time_of_the_first_attempt() -> None:
    progress, clock = progress_of({})
    progress.started("a")
    clock.advance(10)
    progress.started("a")

    assert progress.view().running == (Running("a", 10.0),)


def test_the_time_left_spreads_the_work_left_over_the_workers() -> None:
    # medians 10, 20, 30, 40 s; two workers
    progress, clock = progress_of({"a": [10.0], "b": [20.0], "c": [30.0], "d": [40.0, 40.0]})
    assert progress.view().seconds_left == 50.0  # (10 + 20 + 30 + 40) / 2

    progress.started("d")
    clock.advance(15)
    progress.finished(ended("a", TaskStatus.SUCCESS))

    assert progress.view().seconds_left == 37.5  # (20 + 30 + (40 - 15)) / 2


def test_the_time_left_is_never_less_than_the_longest_task_left() -> None:
    progress, _ = progress_of({"a": [100.0]}, workers=8)  # b, c, d: the median, 100 s

    assert progress.view().seconds_left == 100.0


def test_each_end_is_one_plain_line_with_its_place(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="medallion_orchestrator.execution.progress")
    progress, _ = progress_of({})

    progress.finished(ended("a", TaskStatus.SUCCESS, "3 rows"))
    progress.finished(ended("b", TaskStatus.FAILED, "[UNRESOLVED_COLUMN] no is_deleted"))

    assert [(record.levelno, record.getMessage()) for record in caplog.records] == [
        (logging.INFO, "[1/4] SUCCESS   a (2.5s) 3 rows"),
        (logging.ERROR, "[2/4] FAILED    b (2.5s) [UNRESOLVED_COLUMN] no is_deleted"),
    ]


def test_a_notebook_prints_the_progress_lines_once(capsys: pytest.CaptureFixture[str]) -> None:
    from medallion_orchestrator.notebook_support import PROGRESS_LOGGERS, print_progress

    print_progress()
    print_progress()  # a second run in the same process adds no second line
    try:
        progress, _ = progress_of({})
        progress.finished(ended("a", TaskStatus.SUCCESS, "3 rows"))
        lines = capsys.readouterr().out.splitlines()
    finally:
        for name in PROGRESS_LOGGERS:
            logging.getLogger(name).handlers.clear()

    assert len(lines) == 1 and lines[0].endswith(" [1/4] SUCCESS   a (2.5s) 3 rows")
