"""Checks of `depends_on`: active rows of the same layer, none of a later order, no cycle."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from medallion_orchestrator.errors import Problem
from medallion_orchestrator.graph import find_cycle
from medallion_orchestrator.metadata.model import TaskRow


def dependency_problems(rows: Sequence[TaskRow]) -> list[Problem]:
    """Every dependency problem of the layer's active rows, each naming the row."""
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
    if cycle := find_cycle(usable):
        problems.append(Problem(cycle[0], f"depends_on cycle: {' -> '.join(cycle)}"))
    return problems


def _edge_problem(row: TaskRow, name: str, orders: dict[str, int | None]) -> str | None:
    if name not in orders:
        hint = _same_ignoring_case(name, orders)
        return f"depends_on names {name}, which is not an active row of layer {row.layer}" + (
            f" (did you mean {hint}?)" if hint else ""
        )
    order = orders[name]
    if order is not None and row.execution_order is not None and order > row.execution_order:
        return (
            f"depends_on names {name} of execution_order {order}, "
            f"later than this row's {row.execution_order}"
        )
    return None


def _same_ignoring_case(name: str, known: Iterable[str]) -> str | None:
    return next((other for other in known if other.lower() == name.lower()), None)
