"""Materialized views, locally. Open-source Spark has none: a Delta table stands in for each.

- `CREATE [OR REPLACE] MATERIALIZED VIEW [IF NOT EXISTS] name [...] AS query` creates the table
  from the query, and keeps the query in its property `medallion.materialized_view`. The clauses
  between the name and `AS` (columns, SCHEDULE, COMMENT, ...) are Databricks' to apply: a local
  stand-in has no schedule, and is refreshed only when asked.
- `REFRESH MATERIALIZED VIEW name [FULL] [SYNC | ASYNC]` builds the table again from that query,
  in full, synchronously.
- `DROP MATERIALIZED VIEW [IF EXISTS] name` drops the table.
- `event_log(TABLE(name))` has Databricks' event log schema: each build of the table (its create,
  each refresh) is an update that ran and completed, from the table's Delta history.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable

from medallion_orchestrator.sql_statements import (
    materialized_view_creation,
    without_leading_comments,
)

QUERY_PROPERTY = "medallion.materialized_view"
_NAME = r"(?P<name>(?:`[^`]+`|\w+)(?:\.(?:`[^`]+`|\w+)){0,2})"
_REFRESH = re.compile(
    rf"(?is)^\s*REFRESH\s+MATERIALIZED\s+VIEW\s+{_NAME}(?:\s+FULL)?(?:\s+(?:SYNC|ASYNC))?\s*$"
)
_EVENT_LOG = re.compile(rf"(?is)\bevent_log\s*\(\s*TABLE\s*\(\s*{_NAME}\s*\)\s*\)")
EVENT_LOG_SCHEMA = (
    "id STRING, sequence STRING, origin STRING, timestamp TIMESTAMP, message STRING, "
    "level STRING, maturity_level STRING, error STRING, details STRING, event_type STRING"
)
_BUILDS = ("CREATE TABLE AS SELECT", "REPLACE TABLE AS SELECT", "CREATE OR REPLACE TABLE AS SELECT")
_DROP = re.compile(rf"(?is)^\s*DROP\s+MATERIALIZED\s+VIEW\s+(?P<exists>IF\s+EXISTS\s+)?{_NAME}\s*$")


class NotAMaterializedView(Exception):
    """REFRESH of a name that no local materialized view stands in for."""


def is_materialized_view_statement(text: str) -> bool:
    text = without_leading_comments(text)
    return materialized_view_creation(text) is not None or any(
        pattern.match(text) for pattern in (_REFRESH, _DROP)
    )


def stand_in(text: str, kept_query: Callable[[str], str | None]) -> str:
    """The statement on the stand-in table. `kept_query(name)`: the query a stand-in keeps, None
    when `name` is not one (REFRESH needs it)."""
    text = without_leading_comments(text)
    if creation := materialized_view_creation(text):
        verb = "CREATE OR REPLACE TABLE" if creation.replace else "CREATE TABLE"
        exists = "IF NOT EXISTS " if creation.if_not_exists else ""
        return _create(f"{verb} {exists}{creation.name}", creation.query)
    if match := _REFRESH.match(text):
        query = kept_query(match["name"])
        if query is None:
            raise NotAMaterializedView(
                f"{match['name']} is not a materialized view: no query to refresh it from"
            )
        return _create(f"CREATE OR REPLACE TABLE {match['name']}", query)
    if match := _DROP.match(text):
        return f"DROP TABLE {'IF EXISTS ' if match['exists'] else ''}{match['name']}"
    raise ValueError(f"not a materialized view statement: {text[:60]!r}")


def _create(head: str, query: str) -> str:
    kept = query.replace("\\", "\\\\").replace("'", "\\'")
    return f"{head} TBLPROPERTIES ('{QUERY_PROPERTY}' = '{kept}') AS {query}"


def event_log_names(text: str) -> list[str]:
    """The names whose `event_log(TABLE(name))` the statement reads."""
    return [match["name"] for match in _EVENT_LOG.finditer(text)]


def on_event_logs(text: str, log_of: Callable[[str], str]) -> str:
    """The statement reading `log_of(name)` for each `event_log(TABLE(name))`."""
    return _EVENT_LOG.sub(lambda match: log_of(match["name"]), text)


def refresh_events(name: str, commits: Iterable[tuple[int, dt.datetime, str]]) -> list[tuple]:
    """A stand-in's event log from its commits (version, time, operation): each build runs, its
    flow completes, then the update completes, as Databricks logs a refresh."""
    events = []
    for version, at, operation in commits:
        if operation not in _BUILDS:
            continue
        steps = [
            ("update_progress", "RUNNING", at - dt.timedelta(milliseconds=2)),
            ("flow_progress", "COMPLETED", at - dt.timedelta(milliseconds=1)),
            ("update_progress", "COMPLETED", at),
        ]
        for step, (kind, state, when) in enumerate(steps):
            key = "status" if kind == "flow_progress" else "state"
            events.append(
                (
                    f"{name}/{version}/{step}",
                    json.dumps({"data_plane_id": {"seq_no": version * 3 + step}}),
                    json.dumps({"flow_name": name, "update_id": str(version)}),
                    when,
                    f"Update {version} is {state}.",
                    "INFO",
                    "STABLE",
                    None,
                    json.dumps({kind: {key: state}}),
                    kind,
                )
            )
    return events
