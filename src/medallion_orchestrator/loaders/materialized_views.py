"""Materialized views on Databricks: refreshed, not re-created, and never quietly stale.

A file whose SQL is as it was last built is refreshed (`REFRESH MATERIALIZED VIEW`, synchronous
by default); a changed one runs again (its `CREATE OR REPLACE`). After either, and when it is up
to date, Databricks' own record of the view's refreshes is read: a failed or cancelled latest
refresh, or a last refresh older than an input's last commit, fails the task as STALE, naming the
input. That record is the view's event log (`event_log(TABLE(view))`, whose `update_progress`
events have a documented schema); where it cannot be read, `DESCRIBE TABLE EXTENDED ... AS JSON`
(its `refresh_information`). Locally a Delta table stands in (runtime/local_materialized_views.py)
and is built like any gold table.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from medallion_orchestrator.error_text import one_line
from medallion_orchestrator.errors import LoadError

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse

SUCCEEDED = frozenset({"SUCCEEDED", "SUCCESS", "COMPLETED"})
FINISHED = frozenset({"COMPLETED", "FAILED", "CANCELED"})  # an update's last states
EVENTS = (
    "SELECT timestamp, get_json_object(details, '$.update_progress.state') AS state "
    "FROM event_log(TABLE({})) WHERE event_type = 'update_progress'"
)


@dataclass(frozen=True)
class Refresh:
    """A materialized view's latest refresh, as Databricks records it."""

    status: str | None
    refreshed_at: dt.datetime | None
    unknown: str | None = None  # why Databricks' record could not be read


def refresh_from_events(events: Iterable[tuple[dt.datetime, str | None]]) -> Refresh:
    """From the view's `update_progress` events (time, state): its latest finished update.
    Updates under way (QUEUED, RUNNING, ...) have not refreshed it yet."""
    finished = [(at, state.upper()) for at, state in events if state and state.upper() in FINISHED]
    if not finished:
        return Refresh(None, None)
    at, state = max(finished)
    return Refresh(state, _aware(at))


def refresh_of(described: Mapping[str, Any]) -> Refresh:
    """From `DESCRIBE TABLE EXTENDED ... AS JSON`: its `refresh_information`."""
    information = described.get("refresh_information")
    if not isinstance(information, Mapping):
        return Refresh(None, None, unknown="DESCRIBE ... AS JSON has no refresh_information")
    status = information.get("latest_refresh_status")
    return Refresh(
        None if status is None else str(status), _instant(information.get("last_refreshed"))
    )


def staleness(
    destination: str, refresh: Refresh, input_commits: Mapping[str, dt.datetime | None]
) -> str | None:
    """Why the view serves old results, or None: a refresh that did not succeed, none at all, or
    an input committed after the last one. Not being able to tell is said as loudly."""
    if refresh.unknown:
        unsure = "materialized view: cannot tell whether it is STALE"
        return f"{destination}: {unsure}: {refresh.unknown}"
    if refresh.status is not None and refresh.status.upper() not in SUCCEEDED:
        return f"{destination}: materialized view STALE: its latest refresh {refresh.status}"
    if refresh.refreshed_at is None:
        return f"{destination}: materialized view STALE: Databricks records no refresh of it"
    newer = sorted(
        (at, name)
        for name, at in input_commits.items()
        if at is not None and _aware(at) > refresh.refreshed_at
    )
    if not newer:
        return None
    changed = ", ".join(f"{name} at {at.isoformat()}" for at, name in newer)
    return (
        f"{destination}: materialized view STALE: last refreshed "
        f"{refresh.refreshed_at.isoformat()}, inputs committed since: {changed}"
    )


def refresh_statement(target: str) -> str:
    return f"REFRESH MATERIALIZED VIEW {target}"


def check_fresh(lakehouse: Lakehouse, destination: str, target: str, reads: Iterable[str]) -> None:
    """Fails the task when the view in Databricks is stale (see `staleness`)."""
    commits = {name: _last_commit(lakehouse, lakehouse.table_of(name)) for name in reads}
    if why := staleness(destination, last_refresh(lakehouse, target), commits):
        raise LoadError(why)


def last_refresh(lakehouse: Lakehouse, target: str) -> Refresh:
    """The view's event log; where it cannot be read, its description."""
    try:
        events = lakehouse.sql(EVENTS.format(target)).collect()
    except Exception as error:
        refused = f"event_log(TABLE({target})): {one_line(error)}"
    else:
        return refresh_from_events((row["timestamp"], row["state"]) for row in events)
    try:
        row = lakehouse.sql(f"DESCRIBE TABLE EXTENDED {target} AS JSON").first()
        described = json.loads(str(row[0])) if row is not None else {}
    except Exception as error:
        return Refresh(None, None, unknown=f"{refused}; DESCRIBE ... AS JSON: {one_line(error)}")
    refresh = refresh_of(described)
    return replace(refresh, unknown=f"{refused}; {refresh.unknown}") if refresh.unknown else refresh


def refreshed_state(lakehouse: Lakehouse, table: str) -> str | None:
    """An input kept by Databricks as a materialized view, as a gold build records it: the time
    of its last finished refresh (it has no Delta version to give)."""
    refresh = last_refresh(lakehouse, table)
    return None if refresh.refreshed_at is None else f"refreshed {refresh.refreshed_at.isoformat()}"


def _last_commit(lakehouse: Lakehouse, table: str) -> dt.datetime | None:
    """When the input last changed: its last commit; a materialized view's, its last refresh."""
    if lakehouse.keeps_materialized_views and lakehouse.is_materialized_view(table):
        return last_refresh(lakehouse, table).refreshed_at
    try:
        row = lakehouse.spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()
    except Exception:  # a view, or not a Delta table: no commit to compare
        return None
    return None if row is None else row["timestamp"]


def _instant(text: Any) -> dt.datetime | None:
    if not text:
        return None
    try:
        return _aware(dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _aware(at: dt.datetime) -> dt.datetime:
    """A naive time (Spark's, in this process's zone) made comparable with an ISO one."""
    return at if at.tzinfo is not None else at.astimezone()
