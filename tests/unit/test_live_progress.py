"""The live display of a run's progress: drawn in a terminal, absent anywhere else."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from rich.console import Console

from fakes import FakeClock
from medallion_orchestrator.execution.progress import ProgressView, Running, RunProgress
from medallion_orchestrator.live_progress import drawn, shown

logger = logging.getLogger("medallion_orchestrator.test_live_progress")


def text_of(view: ProgressView) -> str:
    console = Console(record=True, width=100, file=io.StringIO())
    console.print(drawn(view))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


def test_a_frame_shows_counts_time_left_and_the_longest_running_first() -> None:
    view = ProgressView(
        "bronze_to_silver", 24, 10, 1, 0, (Running("slow", 125.0), Running("quick", 3.2)), 95.0
    )

    assert text_of(view).splitlines() == [
        "bronze_to_silver: 10 of 24 done, 2 running, 12 queued, 1 failed, 0 skipped, "
        "about 1m35s left",
        "2m05s  slow",
        "   3s  quick",
    ]


def test_a_frame_names_how_many_more_run_than_it_shows() -> None:
    running = tuple(Running(f"t{n:02d}", 100.0 - n) for n in range(12))

    lines = text_of(ProgressView("gold", 12, 0, 0, 0, running, None)).splitlines()

    assert lines[0] == "gold: 0 of 12 done, 12 running, 0 queued, 0 failed, 0 skipped"
    assert len(lines) == 1 + 10 + 1 and lines[-1].strip() == "and 2 more running"


def test_a_frame_before_the_tasks_are_known_says_what_happens() -> None:
    assert text_of(RunProgress(FakeClock()).view()) == (
        "preparing the run: its metadata, its layer's lock, the run log"
    )


@pytest.fixture
def handler() -> Iterator[tuple[logging.StreamHandler[io.StringIO], io.StringIO]]:
    out = io.StringIO()
    attached = logging.StreamHandler(out)
    attached.setLevel(logging.INFO)
    root = logging.getLogger()
    saved = root.level
    root.addHandler(attached)
    root.setLevel(logging.INFO)
    yield attached, out
    root.removeHandler(attached)
    root.setLevel(saved)


def test_elsewhere_than_a_terminal_only_the_plain_lines_are_written(
    handler: tuple[logging.StreamHandler[io.StringIO], io.StringIO],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    attached, out = handler
    progress = RunProgress(FakeClock())
    progress.begin("layer_a", ["a"], {}, 1)

    with shown(progress, out):
        logger.info("started   a")

    assert out.getvalue() == "started   a\n"
    assert attached.stream is out and attached.level == logging.INFO


def test_in_a_terminal_failures_print_above_the_display_and_starts_do_not(
    handler: tuple[logging.StreamHandler[io.StringIO], io.StringIO],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    attached, out = handler
    progress = RunProgress(FakeClock())
    progress.begin("layer_a", ["a", "b"], {}, 2)

    with shown(progress, out):
        progress.started("a")
        logger.info("started   a")
        logger.error("[1/2] FAILED    b (0.1s) boom")

    written = out.getvalue()
    assert "[1/2] FAILED    b (0.1s) boom" in written
    assert "started   a" not in written
    assert "layer_a: 0 of 2 done, 1 running" in written  # the display was drawn
    assert attached.stream is out and attached.level == logging.INFO
