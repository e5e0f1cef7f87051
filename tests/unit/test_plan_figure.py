"""The plan's picture: where each task goes, the critical path and the lower bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes import notebook_task as task
from medallion_orchestrator.errors import ConfigError
from medallion_orchestrator.history.timeline_figure import write_figure
from medallion_orchestrator.plan_figure import PlacedTask, plan_figure, plan_picture
from medallion_orchestrator.planning import Batch, Plan

BATCHES = Plan(
    "bronze_to_silver",
    (
        Batch(1, (task("s.a", 1), task("s.b", 1))),
        Batch(3, (task("s.c", 3),)),
    ),
)
# a -> c, b -> c, b -> d: d waits for b only
DAG = Plan(
    "silver_to_gold",
    (
        Batch(
            1,
            (
                task("g.a", 1, ()),
                task("g.b", 1, ()),
                task("g.c", 1, ("g.a", "g.b")),
                task("g.d", 1, ("g.b",)),
            ),
        ),
    ),
)


def test_batches_are_columns_and_the_critical_path_chains_them() -> None:
    past_durations = {"s.a": [10.0], "s.b": [30.0], "s.c": [5.0]}

    picture = plan_picture(BATCHES, "batch", past_durations, workers=2)

    assert picture.tasks == (
        PlacedTask("s.a", 0, 0, 10.0, False),
        PlacedTask("s.b", 0, 1, 30.0, True),
        PlacedTask("s.c", 1, 0, 5.0, True),
    )
    assert picture.batches == (1, 3) and picture.edges == ()
    assert (picture.critical_path, picture.critical_seconds) == (("s.b", "s.c"), 35.0)
    assert picture.lower_bound == 35.0  # work / workers = 22.5 is less


def test_under_dag_a_task_is_placed_after_its_longest_chain_with_an_arrow_each() -> None:
    past_durations = {"g.a": [40.0], "g.b": [10.0], "g.c": [5.0], "g.d": [20.0]}

    picture = plan_picture(DAG, "dag", past_durations, workers=1)

    assert [(t.key, t.column, t.row) for t in picture.tasks] == [
        ("g.a", 0, 0),
        ("g.b", 0, 1),
        ("g.c", 1, 0),
        ("g.d", 1, 1),
    ]
    assert picture.edges == (("g.a", "g.c"), ("g.b", "g.c"), ("g.b", "g.d"))
    assert picture.critical_path == ("g.a", "g.c")
    assert picture.lower_bound == 75.0  # one worker: all the work, more than the path's 45 s


def test_tasks_without_history_get_the_median_of_the_others() -> None:
    picture = plan_picture(BATCHES, "batch", {"s.a": [4.0], "s.b": [8.0]}, workers=2)

    assert [t.seconds for t in picture.tasks] == [4.0, 8.0, 6.0]


def test_the_figure_draws_each_task_arrow_and_batch(tmp_path: Path) -> None:
    dag = plan_figure(plan_picture(DAG, "dag", {}, workers=2))
    batches = plan_figure(plan_picture(BATCHES, "batch", {}, workers=2))

    (boxes,) = dag.data
    assert len(boxes.x) == 4 and "c<br>~1.0 s" in boxes.text
    assert len(dag.layout.annotations) == 3  # one arrow per dependency
    assert "expected critical path 2.0 s: a → c" in dag.layout.title.text
    assert len(batches.layout.shapes) == 2  # one band per batch
    page = tmp_path / "plan.html"
    write_figure(dag, page, "--picture")
    assert "plotly" in page.read_text()[:5000].lower()


def test_a_picture_file_of_another_kind_names_the_option(tmp_path: Path) -> None:
    figure = plan_figure(plan_picture(DAG, "dag", {}, workers=2))

    with pytest.raises(ConfigError, match=r"--picture .*plan\.pdf: give a file ending in \.html"):
        write_figure(figure, tmp_path / "plan.pdf", "--picture")
