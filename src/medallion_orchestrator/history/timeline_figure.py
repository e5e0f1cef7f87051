"""Draws a `Timeline` with plotly: one horizontal bar per attempt, on its worker lane.

Bars are coloured by status (one trace per status, so the legend names them); a retried attempt
is hatched, a timed-out one crossed; the critical path's bars have a black outline; waits
between batches (and the run's start-up before its first attempt) are grey bands; the lower
bound, the makespan (and the previous run's, when comparing) are vertical lines, measured from
the first attempt's start. Hovering a bar shows its task, attempt, rows and error.
Files: `.html` is one self-contained page (plotly.js inside, no network); `.png` and `.svg` go
through kaleido, which drives a local Chrome or Chromium.
"""

from __future__ import annotations

import html
from pathlib import Path

import plotly.graph_objects as go

from medallion_orchestrator.errors import ConfigError, EnvironmentProblem
from medallion_orchestrator.history.run_comparison import RunComparison
from medallion_orchestrator.history.timeline import Bar, Timeline

COLOURS = {
    "SUCCESS": "#2ca02c",
    "FAILED": "#d62728",
    "TIMED_OUT": "#ff7f0e",
    "CANCELLED": "#7f7f7f",
}
OTHER_COLOUR = "#9467bd"
FORMATS = (".html", ".png", ".svg")
ERROR_CHARACTERS = 600
HOVER = (
    "<b>%{customdata[0]}</b><br>attempt %{customdata[1]}: %{customdata[2]}<br>"
    "%{customdata[3]}<br>rows written: %{customdata[4]}"
    "%{customdata[5]}%{customdata[6]}<extra></extra>"
)


def timeline_figure(timeline: Timeline, comparison: RunComparison | None = None) -> go.Figure:
    figure = go.Figure()
    notes = _change_notes(comparison)
    for status in sorted({bar.status for bar in timeline.bars}):
        bars = [bar for bar in timeline.bars if bar.status == status]
        figure.add_trace(_bars(status, bars, notes))
    for wait in timeline.waits:
        _band(figure, wait.start, wait.end, f"wait after order {wait.after_order}")
    if timeline.first_start > 0:
        _band(figure, 0, timeline.first_start, "start-up")
    lines = [
        ("lower bound", timeline.lower_bound, "dash", "bottom left"),
        ("makespan", timeline.makespan, "solid", "top right"),
    ]
    if comparison is not None:
        lines.append(("previous makespan", comparison.makespan_before, "dot", "top right"))
    for name, seconds, dash, where in lines:  # from the first attempt's start, as the bound
        figure.add_vline(
            x=timeline.first_start + seconds,
            line_dash=dash,
            line_color="black",
            annotation_text=f"{name} {seconds:.1f} s",
            annotation_position=where,
            annotation_textangle=-90,
        )
    lanes = [f"worker {lane + 1}" for lane in range(timeline.lanes)]
    figure.update_layout(
        title=_title(timeline, comparison),
        barmode="overlay",
        xaxis_title="seconds from the run's start",
        yaxis={"categoryorder": "array", "categoryarray": lanes[::-1]},
        height=260 + 60 * timeline.lanes,
        hoverlabel={"align": "left"},
        legend_title_text="status",
    )
    return figure


def write_figure(figure: go.Figure, path: Path, option: str = "--timeline") -> None:
    """`path` by its suffix; a wrong one is a ConfigError naming the `option` that gave it."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(f"{option} {path}: give a file ending in {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".html":
        figure.write_html(path, include_plotlyjs=True, full_html=True)
        return
    try:
        figure.write_image(path)
    except Exception as error:  # kaleido's own errors: no Chrome found, a crash...
        raise EnvironmentProblem(
            f"could not write {path} with kaleido (it needs Chrome or Chromium; on Debian "
            f"`apt-get install chromium`): {error}"
        ) from error


def _bars(status: str, bars: list[Bar], notes: dict[str, str]) -> go.Bar:
    return go.Bar(
        name=status,
        orientation="h",
        base=[bar.start for bar in bars],
        x=[bar.seconds for bar in bars],
        y=[f"worker {bar.lane + 1}" for bar in bars],
        text=[_label(bar, notes) for bar in bars],
        textposition="inside",
        insidetextanchor="start",
        marker={
            "color": COLOURS.get(status, OTHER_COLOUR),
            "line": {
                "color": ["black" if bar.critical else "white" for bar in bars],
                "width": [3 if bar.critical else 1 for bar in bars],
            },
            "pattern": {"shape": [_pattern(bar) for bar in bars]},
        },
        customdata=[
            [
                bar.task,
                bar.attempt,
                bar.status,
                f"{bar.start:.1f} s to {bar.end:.1f} s ({bar.seconds:.1f} s)",
                "" if bar.rows_written is None else bar.rows_written,
                _error(bar),
                notes.get(bar.task, ""),
            ]
            for bar in bars
        ],
        hovertemplate=HOVER,
    )


def _label(bar: Bar, notes: dict[str, str]) -> str:
    marks = " ↻" if bar.retried or bar.attempt > 1 else ""
    marks += " ⏱" if bar.timed_out else ""
    marks += " ▲" if "slower" in notes.get(bar.task, "") else ""
    marks += " ▼" if "faster" in notes.get(bar.task, "") else ""
    return bar.task.rsplit(".", 1)[-1] + marks


def _pattern(bar: Bar) -> str:
    if bar.timed_out:
        return "x"
    return "/" if bar.retried else ""


def _error(bar: Bar) -> str:
    if not bar.error:
        return ""
    text = bar.error.strip()
    if len(text) > ERROR_CHARACTERS:  # a traceback: its end names the error
        text = "... " + text[-ERROR_CHARACTERS:]
    return "<br>error: " + html.escape(text, quote=False).replace("\n", "<br>")


def _change_notes(comparison: RunComparison | None) -> dict[str, str]:
    if comparison is None:
        return {}
    notes = {
        change.task: f"<br>{word}: {change.before:.1f} s -> {change.after:.1f} s"
        for word, changes in (("slower", comparison.slower), ("faster", comparison.faster))
        for change in changes
    }
    for failure in comparison.new_failures:
        was = failure.before or "not in that run"
        notes[failure.task] = notes.get(failure.task, "") + f"<br>new failure (was {was})"
    return notes


def _band(figure: go.Figure, start: float, end: float, text: str) -> None:
    figure.add_vrect(
        x0=start,
        x1=end,
        fillcolor="grey",
        opacity=0.25,
        line_width=0,
        annotation_text=text,
        annotation_position="bottom left",
    )


def _title(timeline: Timeline, comparison: RunComparison | None) -> str:
    path = " → ".join(task.rsplit(".", 1)[-1] for task in timeline.critical_path)
    title = (
        f"run {timeline.run_id}: {len(timeline.bars)} attempt(s) on {timeline.lanes} lane(s)"
        f"{f' of {timeline.workers} worker(s)' if timeline.workers else ''}"
        f"<br><sup>critical path {timeline.critical_seconds:.1f} s: {path}</sup>"
    )
    if comparison is not None:
        title += (
            f"<br><sup>against {comparison.previous_run_id}: makespan "
            f"{comparison.makespan_delta:+.1f} s, {len(comparison.slower)} slower, "
            f"{len(comparison.faster)} faster, {len(comparison.new_failures)} new failure(s)</sup>"
        )
    return title
