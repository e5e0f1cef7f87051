"""fact_replace_where: the source replaces the target's rows matching the row's predicate, in one
commit (Delta's replaceWhere). Each case starts from the same silver table, loads its bronze
rows, compares the whole table and loads again: the rerun commits nothing. A source row outside
the predicate, a changed schema or a failed commit leave the target at its version, readable.

A replace-where load has one commit path (the replaceWhere write); the MERGE/rewrite choice of
the SCD loaders does not apply to it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from integration.helpers import write_table
from integration.loader_support import assert_table, bronze, row_for, version
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders import fact_replace_where
from medallion_orchestrator.loaders.dispatch import load_fact
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.runtime.lakehouse import Lakehouse

pytestmark = pytest.mark.spark

D1, D2, D3, D4 = (dt.date(2024, 3, day) for day in (1, 2, 3, 4))
BRONZE = "id INT, day DATE, amount INT, _deleted BOOLEAN"
SILVER = "id INT, day DATE, amount INT"
START = [(1, D1, 10), (2, D2, 20), (3, D2, 30), (4, D3, 40)]

CASES: dict[str, tuple[Any, list[tuple[Any, ...]], list[tuple[Any, ...]]]] = {
    "one day replaced": (
        "day = '2024-03-02'",
        [(2, D2, 25, False), (5, D2, 50, False)],
        [(1, D1, 10), (2, D2, 25), (5, D2, 50), (4, D3, 40)],
    ),
    "a window, with a new day": (
        "day >= '2024-03-03'",
        [(4, D3, 41, False), (6, D4, 60, False)],
        [(1, D1, 10), (2, D2, 20), (3, D2, 30), (4, D3, 41), (6, D4, 60)],
    ),
    "a day whose rows are all deleted": (
        "day = '2024-03-02'",
        [(2, D2, 20, True), (3, D2, 30, True)],
        [(1, D1, 10), (4, D3, 40)],
    ),
    "dbt's incremental_predicates, joined by AND": (
        ["day >= '2024-03-02'", "amount < 35"],
        [(2, D2, 22, False), (3, D2, 33, False)],
        [(1, D1, 10), (2, D2, 22), (3, D2, 33), (4, D3, 40)],
    ),
}


def replace_row(unique: str, predicate: Any) -> TaskRow:
    source, target = f"dev_bronze.{unique}.sales", f"dev_silver.{unique}.sales"
    key = "incremental_predicates" if isinstance(predicate, list) else "replace_where"
    config = {key: predicate, "delete_condition": "_deleted", "exclude_columns": ["_deleted"]}
    return row_for(source, target, "fact_replace_where", [], config)


def started(lakehouse: Lakehouse, unique: str, predicate: Any = "day = '2024-03-02'") -> TaskRow:
    row = replace_row(unique, predicate)
    write_table(lakehouse, row.destination, START, SILVER)
    return row


@pytest.mark.parametrize("case", CASES)
def test_the_predicate_s_rows_are_replaced_and_a_rerun_commits_nothing(
    lakehouse: Lakehouse, unique: str, case: str
) -> None:
    predicate, rows, expected = CASES[case]
    row = started(lakehouse, unique, predicate)
    bronze(lakehouse, row.source, rows, BRONZE)
    before = version(lakehouse, row.destination)

    result = load_fact(lakehouse, row)

    assert result.message.startswith("replaced where")
    assert result.target_version == version(lakehouse, row.destination) == before + 1
    assert_table(lakehouse, row.destination, expected, SILVER)
    rerun = load_fact(lakehouse, row)
    assert rerun.message.startswith("unchanged")
    assert version(lakehouse, row.destination) == before + 1


def test_the_first_load_creates_the_target(lakehouse: Lakehouse, unique: str) -> None:
    row = replace_row(unique, "day >= '2024-03-01'")
    bronze(lakehouse, row.source, [(1, D1, 10, False), (2, D2, 20, True)], BRONZE)

    assert load_fact(lakehouse, row).message == "replaced where day >= '2024-03-01'"
    assert_table(lakehouse, row.destination, [(1, D1, 10)], SILVER)


def assert_untouched(lakehouse: Lakehouse, row: TaskRow, before: int | None) -> None:
    assert version(lakehouse, row.destination) == before
    assert_table(lakehouse, row.destination, START, SILVER)


def test_a_source_row_outside_the_predicate_fails_naming_the_row_and_delta_s_error(
    lakehouse: Lakehouse, unique: str
) -> None:
    row = started(lakehouse, unique)
    bronze(lakehouse, row.source, [(2, D2, 25, False), (7, D4, 70, False)], BRONZE)
    before = version(lakehouse, row.destination)

    with pytest.raises(LoadError) as raised:
        load_fact(lakehouse, row)

    assert str(raised.value) == (
        f"{row.destination}: source {row.source} has 1 row(s) outside replace_where "
        "\"day = '2024-03-02'\" (DELTA_REPLACE_WHERE_MISMATCH); the target was left as it was"
    )
    assert_untouched(lakehouse, row, before)


def test_a_first_load_with_rows_outside_the_predicate_leaves_no_table(
    lakehouse: Lakehouse, unique: str
) -> None:
    row = replace_row(unique, "day = '2024-03-02'")
    bronze(lakehouse, row.source, [(2, D2, 20, False), (7, D4, 70, False)], BRONZE)

    with pytest.raises(LoadError, match=r"has 1 row.s. outside .*DELTA_REPLACE_WHERE_MISMATCH"):
        load_fact(lakehouse, row)
    assert version(lakehouse, row.destination) is None


def test_a_failed_commit_leaves_the_target_as_it_was(
    lakehouse: Lakehouse, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = started(lakehouse, unique)
    bronze(lakehouse, row.source, [(2, D2, 25, False)], BRONZE)
    before = version(lakehouse, row.destination)

    def failing(*_: Any) -> None:
        raise RuntimeError("the commit failed")

    monkeypatch.setattr(fact_replace_where, "_replace", failing)
    with pytest.raises(RuntimeError, match="the commit failed"):
        load_fact(lakehouse, row)
    assert_untouched(lakehouse, row, before)


@pytest.mark.parametrize(
    ("schema", "rows", "message"),
    [
        (
            "id INT, day DATE, amount BIGINT, _deleted BOOLEAN",
            [(2, D2, 25, False)],
            "schema differs from the target's (amount int->bigint): replace_where replaces rows",
        ),
        (
            "id INT, amount INT, _deleted BOOLEAN",
            [(2, 25, False)],
            "replace_where column(s) day missing from source",
        ),
    ],
)
def test_a_source_that_does_not_fit_fails_and_leaves_the_target(
    lakehouse: Lakehouse, unique: str, schema: str, rows: list[tuple[Any, ...]], message: str
) -> None:
    row = started(lakehouse, unique)
    bronze(lakehouse, row.source, rows, schema)
    before = version(lakehouse, row.destination)

    with pytest.raises(LoadError, match=re.escape(message)):
        load_fact(lakehouse, row)
    assert_untouched(lakehouse, row, before)


def test_a_full_refresh_replaces_the_whole_table_from_the_source(
    lakehouse: Lakehouse, unique: str
) -> None:
    """As dbt-databricks' --full-refresh of a replace_where model: the whole table, rebuilt."""
    row = started(lakehouse, unique)  # silver also holds days 1 and 3, outside the predicate
    bronze(lakehouse, row.source, [(2, D2, 25, False), (7, D4, 70, False)], BRONZE)
    before = version(lakehouse, row.destination)

    result = load_fact(lakehouse, row, full_refresh=True)

    assert version(lakehouse, row.destination) == before + 1  # one commit
    assert result.target_version == before + 1
    assert_table(lakehouse, row.destination, [(2, D2, 25), (7, D4, 70)], SILVER)
