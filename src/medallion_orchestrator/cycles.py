"""Cycles in a graph of names, each mapped to what it waits for: for metadata and tasks alike."""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping


def find_cycle(upstream: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle as `a, b, ..., a` (each waits for the next), starting at its smallest name."""
    sorter = graphlib.TopologicalSorter({key: upstream[key] for key in sorted(upstream)})
    try:
        sorter.prepare()
    except graphlib.CycleError as error:
        waits_for = list(reversed(error.args[1][:-1]))
        start = waits_for.index(min(waits_for))
        loop = waits_for[start:] + waits_for[:start]
        return [*loop, loop[0]]
    return None
