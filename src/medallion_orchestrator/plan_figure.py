"""Draws a layer's plan with plotly: each task a box with its expected duration, before it runs.

Under the batch scheduler the columns are the batches (grey bands named by execution_order), and
the boxes of a column run together. Under the dag scheduler a task's column is the length of the
longest chain of tasks it waits for, and an arrow goes from each task to each task waiting for it.
The longest expected chain (the critical path) is outlined in black and named in the title, with
the run's expected lower bound, max(critical path, work / workers). Durations are the median of
past runs; a task without past_durations gets the median of the others (1 s when none has any).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import plotly.graph_objects as go

from medallion_orchestrator.graph import TaskGraph
from medallion_orchestrator.planning import Plan
from medallion_orchestrator.priorities import (
    PastDurations,
    estimate_durations,
    remaining_path_seconds,
)

BOX = "#c6dbef"  # light blue: the labels stay readable on it
EDGE = "#6baed6"
HOVER = "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>"


@dataclass(frozen=True)
class PlacedTask:
    key: str
    column: int
    row: int
    seconds: float
    critical: bool


@dataclass(frozen=True)
class PlanPicture:
    layer: str
    scheduler: str
    tasks: tuple[PlacedTask, ...]
    edges: tuple[tuple[str, str], ...]  # (waited for, waiting); only drawn under dag
    batches: tuple[int, ...]  # each column's execution_order, under batch
    critical_path: tuple[str, ...]
    critical_seconds: float
    lower_bound: float


def plan_picture(
    layer_plan: Plan, scheduler: str, past_durations: PastDurations, workers: int
) -> PlanPicture:
    graph = TaskGraph.of(layer_plan.tasks)
    expected = estimate_durations(graph.tasks, past_durations)
    remaining = remaining_path_seconds(graph, expected)
    path = _critical_path(graph, remaining)
    if scheduler == "dag":
        columns = _depths(graph)
        edges = tuple((up, key) for key in graph.tasks for up in sorted(graph.upstream[key]))
        batches: tuple[int, ...] = ()
    else:
        columns = {
            task.key: number
            for number, batch in enumerate(layer_plan.batches)
            for task in batch.tasks
        }
        edges = ()
        batches = tuple(batch.execution_order for batch in layer_plan.batches)
    rows: dict[int, int] = {}
    placed = []
    for key in graph.tasks:
        column = columns[key]
        rows[column] = rows.get(column, -1) + 1
        placed.append(PlacedTask(key, column, rows[column], expected[key], key in path))
    critical = max(remaining.values(), default=0.0)
    return PlanPicture(
        layer=layer_plan.layer,
        scheduler=scheduler,
        tasks=tuple(placed),
        edges=edges,
        batches=batches,
        critical_path=tuple(path),
        critical_seconds=critical,
        lower_bound=max(critical, sum(expected.values()) / max(1, workers)),
    )


def plan_figure(picture: PlanPicture) -> go.Figure:
    figure = go.Figure()
    where = {task.key: (task.column, -task.row) for task in picture.tasks}
    for number, order in enumerate(picture.batches):
        figure.add_vrect(
            x0=number - 0.45,
            x1=number + 0.45,
            fillcolor="grey",
            opacity=0.15,
            line_width=0,
            annotation_text=f"batch {number + 1} (execution_order {order})",
            annotation_position="top",
        )
    for up, down in picture.edges:
        (x0, y0), (x1, y1) = where[up], where[down]
        figure.add_annotation(
            x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
            showarrow=True, arrowhead=2, arrowsize=1.2, arrowcolor="#888", standoff=18,
            startstandoff=18, text="",
        )  # fmt: skip
    figure.add_trace(
        go.Scatter(
            x=[where[task.key][0] for task in picture.tasks],
            y=[where[task.key][1] for task in picture.tasks],
            mode="markers+text",
            text=[f"{_short(task.key)}<br>~{task.seconds:.1f} s" for task in picture.tasks],
            textposition="middle center",
            marker={
                "symbol": "square",
                "size": 44,
                "color": BOX,
                "line": {
                    "color": ["black" if task.critical else EDGE for task in picture.tasks],
                    "width": [3 if task.critical else 1 for task in picture.tasks],
                },
            },
            customdata=[
                [
                    task.key,
                    f"expected {task.seconds:.1f} s",
                    "on the critical path" if task.critical else "",
                ]
                for task in picture.tasks
            ],
            hovertemplate=HOVER,
            showlegend=False,
        )
    )
    columns = max((task.column for task in picture.tasks), default=0) + 1
    rows = max((task.row for task in picture.tasks), default=0) + 1
    figure.update_layout(
        title=_title(picture),
        xaxis={"visible": False, "range": [-0.6, columns - 0.4]},
        yaxis={"visible": False, "range": [-rows + 0.4, 0.8]},
        height=220 + 70 * rows,
        width=max(700, 230 * columns),
        plot_bgcolor="white",
    )
    return figure


def _critical_path(graph: TaskGraph, remaining: Mapping[str, float]) -> list[str]:
    """From the task with the longest remaining path, each step to its longest dependent."""
    starts = [key for key in graph.tasks if not graph.upstream[key]]
    if not starts:
        return []
    path = [max(starts, key=lambda key: remaining[key])]
    while graph.downstream[path[-1]]:
        path.append(max(graph.downstream[path[-1]], key=lambda key: remaining[key]))
    return path


def _depths(graph: TaskGraph) -> dict[str, int]:
    depths: dict[str, int] = {}
    for key in reversed(graph.bottom_up()):  # every task after what it waits for
        depths[key] = max((depths[up] + 1 for up in graph.upstream[key]), default=0)
    return depths


def _short(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def _title(picture: PlanPicture) -> str:
    path = " → ".join(_short(key) for key in picture.critical_path)
    return (
        f"plan of {picture.layer}: {len(picture.tasks)} task(s), {picture.scheduler} scheduler"
        f"<br><sup>expected critical path {picture.critical_seconds:.1f} s: {path}; "
        f"lower bound {picture.lower_bound:.1f} s</sup>"
    )
