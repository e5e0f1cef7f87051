"""What a row waits for: its `depends_on` and what its SQL file reads (`gold_dependencies`).

Checks: explicit names are active rows of the same layer; no row waits for a row of a later
execution_order; no cycle, over both kinds of edge together. `execution_orders` gives a row with
a NULL execution_order its depth in that graph, so batches still keep every dependency.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise

from medallion_orchestrator.cycles import find_cycle
from medallion_orchestrator.errors import Problem
from medallion_orchestrator.metadata.model import TaskRow

Edges = Mapping[str, Sequence[str]]


def dependency_problems(rows: Sequence[TaskRow], sql_edges: Edges | None = None) -> list[Problem]:
    """Every dependency problem of the layer's active rows, each naming the row."""
    sql_edges = sql_edges or {}
    orders = {row.destination: row.execution_order for row in rows}
    problems: list[Problem] = []
    usable: dict[str, list[str]] = {}
    for row in rows:
        edges = usable.setdefault(row.destination, [])
        for name in row.depends_on or ():
            problem = _edge_problem(row, name, orders)
            if problem:
                problems.append(Problem(row.destination, problem))
            else:
                edges.append(name)
        for name in sql_edges.get(row.destination, ()):
            if problem := _later_problem(row, name, orders, f"{row.sql_file_path} reads"):
                problems.append(Problem(row.destination, problem))
            edges.append(name)
    if cycle := find_cycle(usable):
        problems.append(Problem(cycle[0], _cycle_message(cycle, sql_edges)))
    return problems


def combined_edges(rows: Sequence[TaskRow], sql_edges: Edges) -> dict[str, tuple[str, ...]]:
    """Each row's depends_on then what its SQL reads, once each."""
    return {
        row.destination: tuple(
            dict.fromkeys((*(row.depends_on or ()), *sql_edges.get(row.destination, ())))
        )
        for row in rows
    }


def execution_orders(rows: Sequence[TaskRow], sql_edges: Edges) -> dict[str, int]:
    """Each row's execution_order; a NULL one is 1 + the highest order it waits for (1 if none).

    Rows must be validated first (no cycle).
    """
    upstream = combined_edges(rows, sql_edges)
    given = {row.destination: row.execution_order for row in rows}
    orders: dict[str, int] = {}
    for name in graphlib.TopologicalSorter(upstream).static_order():
        if name not in given:
            continue
        explicit = given[name]
        waits_for = [orders[other] for other in upstream[name] if other in orders]
        orders[name] = explicit if explicit is not None else 1 + max(waits_for, default=0)
    return orders


def _edge_problem(row: TaskRow, name: str, orders: dict[str, int | None]) -> str | None:
    if name not in orders:
        hint = _same_ignoring_case(name, orders)
        return f"depends_on names {name}, which is not an active row of layer {row.layer}" + (
            f" (did you mean {hint}?)" if hint else ""
        )
    return _later_problem(row, name, orders, "depends_on names")


def _later_problem(
    row: TaskRow, name: str, orders: Mapping[str, int | None], what: str
) -> str | None:
    order = orders.get(name)
    if order is not None and row.execution_order is not None and order > row.execution_order:
        return (
            f"{what} {name} of execution_order {order}, later than this row's {row.execution_order}"
        )
    return None


def _cycle_message(cycle: list[str], sql_edges: Edges) -> str:
    steps = list(pairwise(cycle))
    if not any(after in sql_edges.get(name, ()) for name, after in steps):
        return f"depends_on cycle: {' -> '.join(cycle)}"
    how = "; ".join(
        f"{name} {'reads' if after in sql_edges.get(name, ()) else 'depends_on'} {after}"
        for name, after in steps
    )
    return f"dependency cycle: {' -> '.join(cycle)} ({how})"


def _same_ignoring_case(name: str, known: Iterable[str]) -> str | None:
    return next((other for other in known if other.lower() == name.lower()), None)
