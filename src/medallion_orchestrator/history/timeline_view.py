"""`medallion runs RUN_ID --timeline FILE --compare PREVIOUS`: a run's picture and comparison.

Reads the runs from `run_log` / `task_run_log`; `depends_on` (task -> what it waits for, None:
the execution_order rule) is what the caller knows of the layer's metadata rows now.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from medallion_orchestrator.errors import ConfigError
from medallion_orchestrator.history.run_comparison import RunComparison, compare_runs
from medallion_orchestrator.history.run_log import RunHistory
from medallion_orchestrator.history.timeline import Attempt, Timeline, build_timeline
from medallion_orchestrator.terminal import print_table

DependsOn = Mapping[str, Sequence[str] | None]
CHANGE_COLUMNS = ("change", "task", "before s", "after s", "delta s")


def show_timeline(
    history: RunHistory,
    run_id: str,
    path: Path | None,
    previous_run_id: str | None,
    depends_on_of: Callable[[str], DependsOn],
    out: TextIO,
) -> None:
    """Prints the comparison with `previous_run_id` if given, writes the picture if `path`."""
    timeline = recorded_timeline(history, run_id, depends_on_of)
    comparison = None
    if previous_run_id is not None:
        previous = recorded_timeline(history, previous_run_id, depends_on_of)
        comparison = compare_runs(timeline, previous)
        print_comparison(comparison, out)
    if path is not None:
        write_timeline(timeline, path, comparison, out)


def recorded_timeline(
    history: RunHistory, run_id: str, depends_on_of: Callable[[str], DependsOn]
) -> Timeline:
    """The run's timeline; `depends_on_of(layer)`: what its tasks wait for (module docstring)."""
    run, rows = history.run(run_id)
    if run is None:
        where = history.tables.name("run_log")
        raise ConfigError(f"no run {run_id} in {where}: `medallion runs` lists the runs")
    attempts = [Attempt.of_row(row) for row in rows]
    return build_timeline(
        run_id,
        attempts,
        depends_on_of(run["layer"]),
        run.get("started_at"),
        run.get("max_workers"),
    )


def write_timeline(
    timeline: Timeline, path: Path, comparison: RunComparison | None, out: TextIO
) -> None:
    from medallion_orchestrator.history.timeline_figure import timeline_figure, write_figure

    write_figure(timeline_figure(timeline, comparison), path)
    out.write(
        f"\ntimeline of run {timeline.run_id} written to {path}: {len(timeline.bars)} attempt(s), "
        f"makespan {timeline.makespan:.1f} s, lower bound {timeline.lower_bound:.1f} s\n"
    )


def print_comparison(comparison: RunComparison, out: TextIO) -> None:
    out.write(
        f"\n{comparison.run_id} against {comparison.previous_run_id}: makespan "
        f"{comparison.makespan_before:.1f} s -> {comparison.makespan_after:.1f} s "
        f"({comparison.makespan_delta:+.1f} s)\n"
    )
    rows = [
        [word, change.task, f"{change.before:.1f}", f"{change.after:.1f}", f"{change.delta:+.1f}"]
        for word, changes in (("slower", comparison.slower), ("faster", comparison.faster))
        for change in changes
    ]
    rows += [
        ["new failure", failure.task, failure.before or "(not run)", failure.status, ""]
        for failure in comparison.new_failures
    ]
    if rows:
        print_table(CHANGE_COLUMNS, rows, out, whole=("task",))
    else:
        out.write("no task slower or faster beyond the noise, and no new failure\n")
