"""Which executor a run gets: --scheduler batch|dag|auto."""

from __future__ import annotations

import pytest

from fakes import notebook_task as task
from fakes import plan_of
from medallion_orchestrator.cli import _parser
from medallion_orchestrator.errors import InvalidMetadata
from medallion_orchestrator.orchestration import Scheduler, choose_scheduler
from medallion_orchestrator.planning import Plan

WITHOUT = plan_of(task("a", 1), task("b", 2))
WITH = plan_of(task("a", 1), task("b", 2, depends_on=("a",)))


@pytest.mark.parametrize(
    ("plan", "requested", "chosen"),
    [
        (WITHOUT, "auto", Scheduler.BATCH),
        (WITH, "auto", Scheduler.DAG),
        (WITHOUT, "dag", Scheduler.DAG),
        (WITH, "batch", Scheduler.BATCH),
        (plan_of(task("a", 1, depends_on=())), Scheduler.AUTO, Scheduler.DAG),
    ],
)
def test_auto_is_dag_when_a_row_has_depends_on(
    plan: Plan, requested: str, chosen: Scheduler
) -> None:
    assert choose_scheduler(plan, requested) is chosen


def test_batch_refuses_a_dependency_inside_one_execution_order() -> None:
    plan = plan_of(task("a", 2), task("b", 2, depends_on=("a",)))

    with pytest.raises(InvalidMetadata, match="b: depends_on a, of the same execution_order 2"):
        choose_scheduler(plan, "batch")
    assert choose_scheduler(plan, "auto") is Scheduler.DAG


def test_an_unknown_scheduler_is_an_error() -> None:
    with pytest.raises(ValueError, match="'fast' is not a valid Scheduler"):
        choose_scheduler(WITHOUT, "fast")


def test_the_cli_takes_scheduler_with_auto_by_default() -> None:
    parse = _parser().parse_args

    assert parse(["run", "--layer", "x"]).scheduler == "auto"
    assert parse(["run", "--layer", "x", "--scheduler", "dag"]).scheduler == "dag"
    with pytest.raises(SystemExit):
        parse(["run", "--layer", "x", "--scheduler", "fast"])
