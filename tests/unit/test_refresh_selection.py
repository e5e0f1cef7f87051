"""`--full-refresh TABLE`: the named tasks, and only they, are given `full_refresh_table`; the
plan says so; an unknown name is refused before anything runs; the option parses as the CLI
gives it (plain, with names, repeated)."""

from __future__ import annotations

import pytest

from medallion_orchestrator.cli import _parser
from medallion_orchestrator.errors import InvalidMetadata
from medallion_orchestrator.planning import FULL_REFRESH_TABLE, Batch, Plan
from medallion_orchestrator.refresh_selection import with_full_refresh
from medallion_orchestrator.run_request import RunRequest
from medallion_orchestrator.tasks import NotebookTask

PLAN = Plan(
    "bronze_to_silver",
    (
        Batch(1, (NotebookTask("s.crm.users", "silver/nb", 1, 60, {"task": "{}"}),)),
        Batch(2, (NotebookTask("s.crm.orders", "silver/nb", 2, 60),)),
    ),
)


def refreshed(plan: Plan) -> list[str]:
    return [task.key for task in plan.tasks if task.arguments.get(FULL_REFRESH_TABLE) == "true"]


def test_the_named_tables_and_only_they_are_fully_refreshed() -> None:
    marked = with_full_refresh(PLAN, ["S.CRM.Users "])

    assert refreshed(marked) == ["s.crm.users"]
    assert marked.tasks[0].arguments == {"task": "{}", FULL_REFRESH_TABLE: "true"}
    assert marked.tasks[1].arguments == {}
    assert with_full_refresh(PLAN, []) is PLAN


def test_the_plan_says_which_tables_are_fully_refreshed() -> None:
    lines = with_full_refresh(PLAN, ["s.crm.orders"]).describe().splitlines()

    assert "  s.crm.users -> silver/nb" in lines
    assert "  s.crm.orders -> silver/nb [full refresh]" in lines


def test_an_unknown_table_is_refused_naming_it() -> None:
    with pytest.raises(InvalidMetadata) as raised:
        with_full_refresh(PLAN, ["s.crm.users", "s.crm.typo", "x.y.z"])

    assert [(problem.row, problem.message) for problem in raised.value.problems] == [
        (name, "--full-refresh: no task of this run of bronze_to_silver writes it")
        for name in ("s.crm.typo", "x.y.z")
    ]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], (False, [])),
        (["--full-refresh"], (True, [])),
        (["--full-refresh", "a.b.c"], (False, ["a.b.c"])),
        (
            ["--full-refresh", "a.b.c", "a.b.d", "--full-refresh", "a.b.c"],
            (False, ["a.b.c", "a.b.d"]),
        ),
        (["--full-refresh", "--full-refresh", "a.b.c"], (True, ["a.b.c"])),
    ],
)
def test_full_refresh_is_plain_or_names_tables_and_repeats(
    options: list[str], expected: tuple[bool, list[str]]
) -> None:
    for command in ("run", "plan"):
        args = _parser().parse_args([command, "--layer", "l", *options])
        assert RunRequest.full_refresh_given(args.full_refresh) == expected
