"""The task graph (explicit depends_on, the execution_order rule for the rest) and priorities."""

from __future__ import annotations

import pytest

from fakes import notebook_task as task
from medallion_orchestrator.cycles import find_cycle
from medallion_orchestrator.graph import TaskGraph, dependencies
from medallion_orchestrator.priorities import (
    NO_HISTORY_SECONDS,
    estimate_durations,
    longest_first,
    remaining_path_seconds,
)


def test_without_depends_on_a_task_waits_for_the_nearest_lower_order_present() -> None:
    tasks = [task("a", 1), task("b", 1), task("c", 3), task("d", 7), task("e", 7)]

    assert dependencies(tasks) == {
        "a": frozenset(),
        "b": frozenset(),
        "c": {"a", "b"},
        "d": {"c"},
        "e": {"c"},
    }


def test_depends_on_replaces_the_execution_order_rule() -> None:
    tasks = [
        task("a", 1),
        task("b", 1),
        task("c", 2, depends_on=("a",)),
        task("d", 2, depends_on=()),
        task("e", 2, depends_on=("c",)),
    ]

    assert dependencies(tasks) == {
        "a": frozenset(),
        "b": frozenset(),
        "c": {"a"},
        "d": frozenset(),
        "e": {"c"},
    }


def test_a_row_without_depends_on_waits_for_every_row_of_the_lower_order_even_explicit_ones() -> (
    None
):
    tasks = [task("a", 1), task("b", 2, depends_on=()), task("c", 2), task("d", 3)]

    assert dependencies(tasks)["d"] == {"b", "c"}
    assert dependencies(tasks)["c"] == {"a"}


def test_the_graph_has_both_directions_and_transitive_dependents_in_plan_order() -> None:
    graph = TaskGraph.of(
        [
            task("a", 1),
            task("b", 1),
            task("c", 2, depends_on=("a",)),
            task("d", 2, depends_on=("c", "b")),
            task("e", 3, depends_on=("b",)),
        ]
    )

    assert graph.upstream["d"] == {"b", "c"}
    assert graph.downstream["b"] == ("d", "e")
    assert graph.dependents("a") == ["c", "d"]
    assert graph.dependents("b") == ["d", "e"]
    assert graph.dependents("e") == []
    assert graph.edge_count == 4
    bottom_up = graph.bottom_up()
    assert bottom_up.index("d") < bottom_up.index("c") < bottom_up.index("a")


def test_an_unknown_dependency_is_an_error() -> None:
    with pytest.raises(ValueError, match="b depends on unknown task"):
        TaskGraph.of([task("a"), task("b", depends_on=("zz",))])


def test_a_cycle_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="depends_on cycle: a -> b -> a"):
        TaskGraph.of([task("a", depends_on=("b",)), task("b", depends_on=("a",))])


@pytest.mark.parametrize(
    ("upstream", "cycle"),
    [
        ({"b": ["a"], "a": ["c"], "c": ["b"], "d": []}, ["a", "c", "b", "a"]),
        ({"x": ["x"]}, ["x", "x"]),
        ({"a": ["b"], "b": []}, None),
    ],
)
def test_find_cycle_reads_as_waits_for_from_the_smallest_name(
    upstream: dict[str, list[str]], cycle: list[str] | None
) -> None:
    assert find_cycle(upstream) == cycle


def test_estimates_are_median_past_durations_else_the_median_of_the_known() -> None:
    history = {"a": [10.0, 50.0, 12.0], "b": [30.0], "c": []}

    assert estimate_durations(["a", "b", "c", "d"], history) == {
        "a": 12.0,
        "b": 30.0,
        "c": 21.0,
        "d": 21.0,
    }
    assert estimate_durations(["a"], {}) == {"a": NO_HISTORY_SECONDS}


def test_remaining_path_is_own_estimate_plus_the_longest_chain_after() -> None:
    graph = TaskGraph.of(
        [
            task("a", 1),
            task("b", 1),
            task("c", 2, depends_on=("a",)),
            task("d", 2, depends_on=("a", "b")),
            task("e", 3, depends_on=("d",)),
        ]
    )
    estimates = {"a": 1.0, "b": 2.0, "c": 10.0, "d": 3.0, "e": 4.0}

    assert remaining_path_seconds(graph, estimates) == {
        "a": 11.0,
        "b": 9.0,
        "c": 10.0,
        "d": 7.0,
        "e": 4.0,
    }


def test_longest_first_without_history_counts_the_tasks_of_the_longest_chain() -> None:
    graph = TaskGraph.of([task("a"), task("b"), task("c", 2, depends_on=("b",))])

    assert longest_first(graph, {}) == {"a": 1.0, "b": 2.0, "c": 1.0}
