"""Materialized views: the local stand-in's statements, and when Databricks' is stale."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from medallion_orchestrator.loaders.gold_build import (
    GoldBuild,
    Target,
    creates_materialized_view,
    creates_view,
)
from medallion_orchestrator.loaders.gold_sql import Assessment, _refreshable
from medallion_orchestrator.loaders.materialized_views import (
    Refresh,
    refresh_from_events,
    refresh_of,
    staleness,
)
from medallion_orchestrator.runtime.local_materialized_views import (
    NotAMaterializedView,
    event_log_names,
    is_materialized_view_statement,
    on_event_logs,
    refresh_events,
    stand_in,
)

QUERY = "SELECT day, sum(amount) AS revenue FROM dev_silver.s.orders GROUP BY day"
PROPERTY = "TBLPROPERTIES ('medallion.materialized_view' = '{}')"
UTC = dt.timezone.utc
REFRESHED = dt.datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def no_query(name: str) -> None:
    return None


@pytest.mark.parametrize(
    ("statement", "head"),
    [
        (f"CREATE MATERIALIZED VIEW dev_gold.s.daily AS {QUERY}", "CREATE TABLE dev_gold.s.daily"),
        (
            f"create or replace materialized view dev_gold.s.daily\n"
            f"  (day COMMENT 'the day', revenue)\n  SCHEDULE EVERY 1 HOUR\n"
            f"  COMMENT 'revenue' AS\n{QUERY}",
            "CREATE OR REPLACE TABLE dev_gold.s.daily",
        ),
        (
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS `dev_gold`.s.daily AS ({QUERY})",
            "CREATE TABLE IF NOT EXISTS `dev_gold`.s.daily",
        ),
    ],
)
def test_a_created_view_is_a_table_built_from_its_query_which_it_keeps(
    statement: str, head: str
) -> None:
    local = stand_in(statement, no_query)

    assert local.startswith(f"{head} {PROPERTY.format(QUERY).split(QUERY)[0]}")
    assert local.endswith(f"AS {QUERY}") or local.endswith(f"AS ({QUERY})")
    assert "SCHEDULE" not in local


def test_the_kept_query_is_a_string_whatever_quotes_it_holds() -> None:
    query = "SELECT 'it''s' AS a, '\\\\' AS b FROM t"
    local = stand_in(f"CREATE MATERIALIZED VIEW a.b.c AS {query}", no_query)

    assert PROPERTY.format("SELECT \\'it\\'\\'s\\' AS a, \\'\\\\\\\\\\' AS b FROM t") in local


@pytest.mark.parametrize("options", ["", " FULL", " SYNC", " FULL ASYNC"])
def test_a_refresh_builds_the_table_again_from_the_kept_query(options: str) -> None:
    local = stand_in(f"REFRESH MATERIALIZED VIEW dev_gold.s.daily{options}", lambda _: QUERY)

    assert local == (
        f"CREATE OR REPLACE TABLE dev_gold.s.daily {PROPERTY.format(QUERY)} AS {QUERY}"
    )


def test_a_refresh_of_anything_else_is_refused_naming_it() -> None:
    with pytest.raises(NotAMaterializedView, match=r"dev_gold\.s\.orders is not a materialized"):
        stand_in("REFRESH MATERIALIZED VIEW dev_gold.s.orders", no_query)


def test_a_drop_drops_the_table() -> None:
    assert stand_in("DROP MATERIALIZED VIEW IF EXISTS a.b.c", no_query) == (
        "DROP TABLE IF EXISTS a.b.c"
    )
    assert stand_in("drop materialized view a.b.c", no_query) == "DROP TABLE a.b.c"


@pytest.mark.parametrize(
    "statement",
    ["CREATE VIEW a.b.c AS SELECT 1", "REFRESH TABLE a.b.c", "SELECT 'MATERIALIZED VIEW'"],
)
def test_other_statements_are_not_the_stand_in_s(statement: str) -> None:
    assert not is_materialized_view_statement(statement)


def test_a_gold_file_of_a_materialized_view_is_built_like_a_table_not_as_a_view() -> None:
    text = f"-- daily\nCREATE OR REPLACE MATERIALIZED VIEW dev_gold.s.daily AS {QUERY};\n"

    assert creates_materialized_view(text)
    assert not creates_view(text)
    assert creates_view(f"CREATE VIEW dev_gold.s.daily AS {QUERY}")
    assert not creates_materialized_view(f"CREATE VIEW dev_gold.s.daily AS {QUERY}")


def test_the_refresh_is_the_latest_finished_update_in_the_event_log() -> None:
    hour = dt.timedelta(hours=1)
    events = [
        (REFRESHED - hour, "COMPLETED"),
        (REFRESHED, "COMPLETED"),
        (REFRESHED + hour, "RUNNING"),  # under way: it has not refreshed the view yet
        (REFRESHED + hour, None),
    ]

    assert refresh_from_events(events) == Refresh("COMPLETED", REFRESHED)
    assert refresh_from_events([*events, (REFRESHED + 2 * hour, "FAILED")]) == Refresh(
        "FAILED", REFRESHED + 2 * hour
    )
    assert refresh_from_events([(REFRESHED, "QUEUED")]) == Refresh(None, None)


def test_the_stand_in_s_event_log_has_an_update_per_build_of_its_table() -> None:
    commits = [
        (0, REFRESHED, "CREATE OR REPLACE TABLE AS SELECT"),
        (1, REFRESHED + dt.timedelta(hours=1), "WRITE"),  # not a build: no update
        (2, REFRESHED + dt.timedelta(hours=2), "REPLACE TABLE AS SELECT"),
    ]

    events = refresh_events("dev_gold.s.daily", commits)
    updates = [
        (at, json.loads(details)["update_progress"]["state"])
        for _, _, _, at, _, _, _, _, details, kind in events
        if kind == "update_progress"
    ]

    assert [kind for *_, kind in events].count("flow_progress") == 2
    assert refresh_from_events(updates) == Refresh("COMPLETED", REFRESHED + dt.timedelta(hours=2))
    assert len({event[0] for event in events}) == len(events) == 6


def test_event_log_calls_are_found_and_replaced_by_name() -> None:
    text = "SELECT * FROM event_log( TABLE(`dev_gold`.s.daily) ) WHERE event_type = 'x'"

    assert event_log_names(text) == ["`dev_gold`.s.daily"]
    assert on_event_logs(text, lambda name: "log_1") == "SELECT * FROM log_1 WHERE event_type = 'x'"
    assert event_log_names("SELECT event_log FROM t") == []


def test_the_refresh_is_read_from_describe_as_json() -> None:
    described = {
        "table_name": "daily",
        "type": "MATERIALIZED_VIEW",
        "refresh_information": {
            "last_refreshed": "2026-12-01T04:00:00Z",
            "last_refresh_type": "INCREMENTAL",
            "latest_refresh_status": "Succeeded",
            "refresh_schedule": "Manual",
        },
    }

    assert refresh_of(described) == Refresh("Succeeded", REFRESHED)
    assert refresh_of({"refresh_information": {}}) == Refresh(None, None)
    assert refresh_of({"type": "MATERIALIZED_VIEW"}) == Refresh(
        None, None, unknown="DESCRIBE ... AS JSON has no refresh_information"
    )


def test_a_view_refreshed_after_its_inputs_changed_is_fresh() -> None:
    commits = {"dev_silver.s.orders": REFRESHED - dt.timedelta(minutes=5), "x.y.view": None}

    assert staleness("dev_gold.s.daily", Refresh("Succeeded", REFRESHED), commits) is None


def test_an_input_committed_after_the_last_refresh_makes_it_stale_naming_the_input() -> None:
    later = REFRESHED + dt.timedelta(hours=2)
    commits = {"dev_silver.s.orders": later, "dev_silver.s.days": REFRESHED}

    why = staleness("dev_gold.s.daily", Refresh("Succeeded", REFRESHED), commits)

    assert why == (
        "dev_gold.s.daily: materialized view STALE: last refreshed 2026-12-01T04:00:00+00:00, "
        "inputs committed since: dev_silver.s.orders at 2026-12-01T06:00:00+00:00"
    )


def test_spark_s_naive_commit_times_are_compared_in_this_process_s_zone() -> None:
    naive_later = (REFRESHED + dt.timedelta(hours=1)).astimezone().replace(tzinfo=None)

    assert "STALE" in str(
        staleness("g", Refresh("Succeeded", REFRESHED), {"dev_silver.s.orders": naive_later})
    )


@pytest.mark.parametrize(
    ("refresh", "said"),
    [
        (Refresh("Failed", REFRESHED), "its latest refresh Failed"),
        (Refresh(None, None), "Databricks records no refresh of it"),
    ],
)
def test_a_failed_or_missing_refresh_is_stale(refresh: Refresh, said: str) -> None:
    why = staleness("dev_gold.s.daily", refresh, {})

    assert why == f"dev_gold.s.daily: materialized view STALE: {said}"


def test_a_refresh_that_cannot_be_read_cannot_pass_for_fresh() -> None:
    unknown = "event_log(TABLE(g)): [PERMISSION_DENIED] ...; DESCRIBE ... AS JSON has no ..."
    why = staleness("dev_gold.s.daily", Refresh(None, None, unknown=unknown), {})

    assert why == f"dev_gold.s.daily: materialized view: cannot tell whether it is STALE: {unknown}"


def assessment(previous: GoldBuild | None, target: Target | None) -> Assessment:
    planned = GoldBuild("same", {"dev_silver.s.orders": "version 2"})
    return Assessment("", False, True, planned, previous, target, "inputs_changed: ...")


@pytest.mark.parametrize(
    ("previous", "target", "refreshed"),
    [
        (GoldBuild("same", {"dev_silver.s.orders": "version 1"}), Target("struct<>", None), True),
        (GoldBuild("before", {}), Target("struct<>", None), False),
        (GoldBuild("same", {}), None, False),
        (None, Target("struct<>", None), False),
    ],
)
def test_databricks_refreshes_a_view_whose_sql_is_as_built_and_re_creates_the_others(
    previous: GoldBuild | None, target: Target | None, refreshed: bool
) -> None:
    assert _refreshable(assessment(previous, target)) is refreshed
