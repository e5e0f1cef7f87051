"""The timeline's plotly figure and files, from a hand-made run: no Spark, no browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_timeline import attempt

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
