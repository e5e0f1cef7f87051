"""The timeline's plotly figure and files, from a hand-made run: no Spark, no browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_timeline import T0, attempt

from medallion_orchestrator.errors import ConfigError
from medallion_orchestrator.history.run_comparison import compare_runs
from medallion_orchestrator.history.timeline import build_timeline
from medallion_orchestrator.history.timeline_figure import timeline_figure, write_figure

ATTEMPTS = [
    attempt("s.a", 0, 10),
    attempt("s.b", 0, 2, status="FAILED", error="ConcurrentAppendException\n<b>at</b> line 3"),
    attempt("s.b", 3, 4, number=2),
    attempt("s.c", 11, 14, order=2, status="TIMED_OUT", error="past its timeout"),
    attempt("s.d", None, None, order=3, status="SKIPPED", number=0),
]


def bars_of(figure):  # type: ignore[no-untyped-def]
    return [
        (trace.name, task, width)
        for trace in figure.data
        for task, width in zip([row[0] for row in trace.customdata], trace.x, strict=True)
    ]


def test_one_bar_per_attempt_coloured_by_status_with_the_critical_path_outlined() -> None:
    figure = timeline_figure(build_timeline("r1", ATTEMPTS))
    assert sorted(bars_of(figure)) == [
        ("FAILED", "s.b", 2),
        ("SUCCESS", "s.a", 10),
        ("SUCCESS", "s.b", 1),
        ("TIMED_OUT", "s.c", 3),
    ]
    success = next(trace for trace in figure.data if trace.name == "SUCCESS")
    assert list(success.marker.line.width) == [3, 1]  # s.a is on the path, s.b is not
    failed = next(trace for trace in figure.data if trace.name == "FAILED")
    assert failed.marker.pattern.shape == ("/",)  # retried
    timed_out = next(trace for trace in figure.data if trace.name == "TIMED_OUT")
    assert (timed_out.marker.pattern.shape, timed_out.text) == (("x",), ("c ⏱",))
    assert list(success.text) == ["a", "b ↻"]  # the second attempt of a retried task
    assert "&lt;b&gt;at&lt;/b&gt; line 3" in failed.customdata[0][5]
    lines = [shape for shape in figure.layout.shapes if shape.type == "line"]
    assert sorted(line.x0 for line in lines) == [13, 14]  # lower bound (critical path), makespan
    waits = [shape for shape in figure.layout.shapes if shape.type == "rect"]
    assert [(wait.x0, wait.x1) for wait in waits] == [(10, 11)]


def test_a_comparison_marks_the_changed_tasks_and_the_previous_makespan() -> None:
    previous = build_timeline("r0", [attempt("s.a", 0, 5), attempt("s.c", 6, 7, order=2)])
    current = build_timeline("r1", ATTEMPTS)
    figure = timeline_figure(current, compare_runs(current, previous))
    success = next(trace for trace in figure.data if trace.name == "SUCCESS")
    assert success.text[0] == "a ▲"
    assert "slower: 5.0 s -> 10.0 s" in success.customdata[0][6]
    timed_out = next(trace for trace in figure.data if trace.name == "TIMED_OUT")
    assert "new failure (was SUCCESS)" in timed_out.customdata[0][6]
    assert 7 in [shape.x0 for shape in figure.layout.shapes if shape.type == "line"]
    assert "makespan +7.0 s" in figure.layout.title.text


def test_the_html_file_holds_plotly_and_needs_no_network(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "run.html"
    write_figure(timeline_figure(build_timeline("r1", ATTEMPTS)), path)
    text = path.read_text()
    assert "Plotly.newPlot" in text
    assert len(text) > 1_000_000  # plotly.js itself is inside
    assert "<script src=" not in text


def test_another_file_ending_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"ending in \.html, \.png, \.svg"):
        write_figure(timeline_figure(build_timeline("r1", ATTEMPTS)), tmp_path / "run.pdf")


def test_the_start_up_is_a_band_and_the_lines_count_from_the_first_attempt() -> None:
    timeline = build_timeline("r1", [attempt("s.a", 4, 10)], run_started_at=T0)
    figure = timeline_figure(timeline)
    bands = [(s.x0, s.x1) for s in figure.layout.shapes if s.type == "rect"]
    assert bands == [(0, 4)]
    lines = sorted(s.x0 for s in figure.layout.shapes if s.type == "line")
    assert lines == [10, 10]  # lower bound and makespan: 6 s from the first start at 4 s
    assert "start-up" in [a.text for a in figure.layout.annotations]


def test_a_long_error_shows_its_end_where_a_traceback_names_the_error() -> None:
    trace = 'Traceback (most recent call last):\n  File "x.py"\n' * 40 + "LoadError: no table"
    timeline = build_timeline("r1", [attempt("s.a", 0, 1, status="FAILED", error=trace)])
    shown = timeline_figure(timeline).data[0].customdata[0][5]
    assert shown.endswith("LoadError: no table")
    assert shown.startswith("<br>error: ... ")
    assert '"x.py"' in shown  # quotes stay quotes: plotly shows entities as they are
    assert timeline_figure(timeline).data[0].customdata[0][3] == "0.0 s to 1.0 s (1.0 s)"
