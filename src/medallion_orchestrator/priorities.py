"""Longest-first: among ready tasks, start those on the longest remaining path first.

A task's remaining path is its own estimated duration plus the longest remaining path of the
tasks that wait for it. Estimates are the median of the task's past durations; a task with no
past duration gets the median of the others' estimates (all tasks alike when there is none at all).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence

from medallion_orchestrator.graph import TaskGraph

# Past durations in seconds per task key, e.g. read from a run log; may be empty.
PastDurations = Mapping[str, Sequence[float]]

NO_HISTORY_SECONDS = 1.0


def estimate_durations(keys: Iterable[str], past_durations: PastDurations) -> dict[str, float]:
    keys = list(keys)
    known = {key: statistics.median(past_durations[key]) for key in keys if past_durations.get(key)}
    default = statistics.median(known.values()) if known else NO_HISTORY_SECONDS
    return {key: known.get(key, default) for key in keys}


def remaining_path_seconds(graph: TaskGraph, estimates: Mapping[str, float]) -> dict[str, float]:
    """For each task, the estimated time from its start to the end of its longest chain."""
    remaining: dict[str, float] = {}
    for key in graph.bottom_up():
        after = max((remaining[name] for name in graph.downstream[key]), default=0.0)
        remaining[key] = estimates[key] + after
    return remaining


def longest_first(graph: TaskGraph, past_durations: PastDurations) -> dict[str, float]:
    """Priorities for the ready queue: higher starts first."""
    return remaining_path_seconds(graph, estimate_durations(graph.tasks, past_durations))
