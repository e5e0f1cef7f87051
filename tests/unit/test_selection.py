"""`--select`: some tasks of a layer, with or without what they wait for."""

from __future__ import annotations

import pytest

from fakes import notebook_task as task
from medallion_orchestrator.errors import InvalidMetadata
from medallion_orchestrator.planning import Batch, Plan
from medallion_orchestrator.selection import select_plan

BATCHES = Plan(
    "bronze_to_silver",
    (
        Batch(1, (task("s.crm.users", 1), task("s.crm.cards", 1))),
        Batch(2, (task("s.crm.orders", 2),)),
        Batch(3, (task("s.crm.totals", 3),)),
    ),
)
GRAPH = Plan(
    "bronze_to_silver",
    (
        Batch(1, (task("s.crm.users", 1, ()), task("s.crm.cards", 1, ()))),
        Batch(2, (task("s.crm.orders", 2, ("s.crm.users",)),)),
        Batch(3, (task("s.crm.totals", 3, ("s.crm.orders", "s.crm.cards")),)),
    ),
)


def keys(plan: Plan) -> list[str]:
    return [task.key for task in plan.tasks]


def test_a_name_selects_that_task_only() -> None:
    assert keys(select_plan(BATCHES, ["S.CRM.Orders"])) == ["s.crm.orders"]


def test_plus_takes_the_lower_execution_orders_of_a_batch_row() -> None:
    assert keys(select_plan(BATCHES, ["+s.crm.orders"])) == [
        "s.crm.users",
        "s.crm.cards",
        "s.crm.orders",
    ]


def test_plus_follows_depends_on_and_unselected_dependencies_count_as_met() -> None:
    upstream = select_plan(GRAPH, ["+s.crm.orders"])
    alone = select_plan(GRAPH, ["s.crm.totals", "s.crm.cards"])

    assert keys(upstream) == ["s.crm.users", "s.crm.orders"]
    assert [task.depends_on for task in alone.tasks] == [(), ("s.crm.cards",)]


def test_an_unknown_name_is_refused_before_anything_runs() -> None:
    with pytest.raises(InvalidMetadata, match=r"s\.crm\.typo: --select: no active row"):
        select_plan(BATCHES, ["s.crm.typo"])
