"""The gold build ledger's comparisons: fingerprints, nondeterministic SQL, and the reason a
destination is built again. No Spark."""

from __future__ import annotations

import pytest

from medallion_orchestrator.loaders.gold_build import (
    GoldBuild,
    Target,
    creates_view,
    fingerprint,
    nondeterministic_calls,
    reason,
)

SQL = """-- revenue per day
CREATE OR REPLACE TABLE dev_gold.sales.daily AS
SELECT day, sum(amount) AS revenue FROM dev_silver.shop.orders WHERE amount > 0 GROUP BY day;
"""
REFORMATTED = """create or replace table dev_gold.sales.daily as
  select day,
         SUM(amount) as revenue   -- the day's total
  from dev_silver.shop.orders
  where amount > 0
  group by day
"""


def test_comments_and_formatting_keep_the_fingerprint_a_changed_where_does_not() -> None:
    assert fingerprint(REFORMATTED) == fingerprint(SQL)
    assert fingerprint(SQL.replace("amount > 0", "amount > 1")) != fingerprint(SQL)


@pytest.mark.parametrize(
    ("expression", "calls"),
    [
        ("current_date()", ("current_date",)),
        ("now()", ("current_timestamp",)),
        ("rand() * 10", ("rand",)),
        ("uuid()", ("uuid",)),
        ("date_add(current_date, 1), current_timestamp()", ("current_date", "current_timestamp")),
        ("DATE'2024-01-01'", ()),
        ("max(day)", ()),
    ],
)
def test_nondeterministic_calls_are_named(expression: str, calls: tuple[str, ...]) -> None:
    assert nondeterministic_calls(f"SELECT {expression} FROM t") == calls


def test_a_view_file_is_told_from_a_table_file() -> None:
    assert creates_view("CREATE OR REPLACE VIEW dev_gold.s.v AS SELECT 1 AS id")
    assert not creates_view("CREATE TEMP VIEW v AS SELECT 1 AS id")
    assert not creates_view(SQL)


BUILT = GoldBuild(
    "abc", {"dev_silver.shop.orders": "version 3"}, "struct<day:date>", target_version=7
)
AS_LEFT = Target("struct<day:date>", 7)


@pytest.mark.parametrize(
    ("previous", "current", "target", "forced", "calls", "expected"),
    [
        (BUILT, BUILT, AS_LEFT, False, (), None),
        (BUILT, BUILT, AS_LEFT, True, (), "forced"),
        (None, BUILT, AS_LEFT, False, (), "new"),
        (BUILT, BUILT, None, False, (), "new"),
        (BUILT, BUILT, AS_LEFT, False, ("rand",), "nondeterministic: calls rand"),
        (BUILT, GoldBuild("abd", BUILT.inputs), AS_LEFT, False, (), "sql_changed"),
        (
            BUILT,
            GoldBuild("abc", {"dev_silver.shop.orders": "version 5"}),
            AS_LEFT,
            False,
            (),
            "inputs_changed: dev_silver.shop.orders version 3 -> 5",
        ),
        (
            GoldBuild("abc", {"dev_gold.sales.mv": "refreshed 2026-12-01T04:00:00+00:00"}),
            GoldBuild("abc", {"dev_gold.sales.mv": "refreshed 2026-12-02T04:00:00+00:00"}),
            AS_LEFT,
            False,
            (),
            "inputs_changed: dev_gold.sales.mv refreshed 2026-12-01T04:00:00+00:00"
            " -> 2026-12-02T04:00:00+00:00",
        ),
        (
            BUILT,
            GoldBuild("abc", {**BUILT.inputs, "dev_gold.sales.v": None}),
            AS_LEFT,
            False,
            (),
            "inputs_changed: dev_gold.sales.v has no version (a view): read anew each time",
        ),
        (
            BUILT,
            BUILT,
            Target("struct<day:date,extra:int>", 7),
            False,
            (),
            "schema_drift: the target's schema is not the one its last build left",
        ),
        (
            BUILT,
            BUILT,
            Target(AS_LEFT.schema, 8),
            False,
            (),
            "target_changed: at version 8, its last build left 7",
        ),
    ],
)
def test_the_reason_to_build_again(
    previous: GoldBuild | None,
    current: GoldBuild,
    target: Target | None,
    forced: bool,
    calls: tuple[str, ...],
    expected: str | None,
) -> None:
    assert reason(previous, current, target, forced, calls) == expected


def test_the_ledger_entry_reads_back_as_it_was_written() -> None:
    assert GoldBuild.from_fields(BUILT.fields()) == BUILT


def test_pinned_reads_get_their_version_and_the_target_does_not() -> None:
    from medallion_orchestrator.loaders.gold_pins import pinned_sql
    from medallion_orchestrator.metadata.sql_references import CatalogSpace

    statement = (
        "CREATE OR REPLACE TABLE dev_gold.s.t AS WITH x AS (SELECT * FROM dev_silver.a.o) "
        "SELECT * FROM x JOIN prod_silver.a.p AS p ON x.id = p.id"
    )
    pins = {"dev_silver.a.o": 3, "dev_silver.a.p": 9, "dev_gold.s.t": 1}

    pinned = pinned_sql(statement, pins, CatalogSpace.of({"dev_silver": "prod_silver"}))

    assert "dev_silver.a.o VERSION AS OF 3" in pinned
    assert "prod_silver.a.p VERSION AS OF 9 AS p" in pinned
    assert "TABLE dev_gold.s.t AS" in pinned
