"""Materialized views on Databricks: refreshed, not re-created, and never quietly stale.

A file whose SQL is as it was last built is refreshed (`REFRESH MATERIALIZED VIEW`, synchronous
by default); a changed one runs again (its `CREATE OR REPLACE`). After either, and when it is up
to date, Databricks' own record of the view (`DESCRIBE TABLE EXTENDED ... AS JSON`, its
`refresh_information`) is read: a failed latest refresh, or a last refresh older than an input's
last commit, fails the task as STALE, naming the input. Locally a Delta table stands in
(runtime/local_materialized_views.py) and is built like any gold table.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medallion_orchestrator.errors import LoadError

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse

SUCCEEDED = frozenset({"SUCCEEDED", "SUCCESS", "COMPLETED"})


@dataclass(frozen=True)
class Refresh:
    """A materialized view's latest refresh, as Databricks describes it."""

    status: str | None
    refreshed_at: dt.datetime | None
    described: bool = True  # False: the JSON had no `refresh_information` at all


def refresh_of(described: Mapping[str, Any]) -> Refresh:
    """From `DESCRIBE TABLE EXTENDED ... AS JSON`: its `refresh_information`."""
    information = described.get("refresh_information")
    if not isinstance(information, Mapping):
        return Refresh(None, None, described=False)
    status = information.get("latest_refresh_status")
    return Refresh(
        None if status is None else str(status), _instant(information.get("last_refreshed"))
    )


def staleness(
    destination: str, refresh: Refresh, input_commits: Mapping[str, dt.datetime | None]
) -> str | None:
    """Why the view serves old results, or None: a refresh that did not succeed, none at all, or
    an input committed after the last one. Not being able to tell is said as loudly."""
    if not refresh.described:
        return (
            f"{destination}: materialized view: cannot tell whether it is STALE: "
            "DESCRIBE TABLE EXTENDED ... AS JSON has no refresh_information"
        )
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
    row = lakehouse.spark.sql(f"DESCRIBE TABLE EXTENDED {target} AS JSON").first()
    described = json.loads(str(row[0])) if row is not None else {}
    commits = {name: _last_commit(lakehouse, lakehouse.table_of(name)) for name in reads}
    if why := staleness(destination, refresh_of(described), commits):
        raise LoadError(why)


def _last_commit(lakehouse: Lakehouse, table: str) -> dt.datetime | None:
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
