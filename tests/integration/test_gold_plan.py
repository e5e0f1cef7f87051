"""`medallion plan` and orchestrated gold runs on a project of its own: the real gold notebook
builds, the ledger remembers, the plan says what the next run would build and writes nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from integration.helpers import gold_row, version, write_table
from medallion_orchestrator.application import Application
from medallion_orchestrator.execution.results import TaskStatus
from medallion_orchestrator.gold_plan import gold_plan, render_plan
from medallion_orchestrator.orchestration import run_layer
from medallion_orchestrator.project import ProjectLayout
from medallion_orchestrator.run_request import RunRequest

pytestmark = pytest.mark.spark

T0 = dt.datetime(2024, 1, 1)


@pytest.fixture()
def gold_layer(app: Application, unique: str, project: Path) -> tuple[Application, str, str, Path]:
    """Three gold rows over one silver table: a table, a table that reads it, a view."""
    app = app.replace(layout=ProjectLayout(project))
    orders, gold = f"dev_silver.{unique}.orders", f"dev_gold.{unique}"
    write_table(app.lakehouse, orders, [(1, 10, T0), (2, 5, T0)], "id INT, amount INT, day DATE")
    sql = project / "metadata" / "sql"
    daily = f"SELECT day, sum(amount) AS revenue FROM {orders} GROUP BY day"
    files = {
        "daily": f"CREATE OR REPLACE TABLE {gold}.daily AS\n{daily}",
        "best": f"CREATE OR REPLACE TABLE {gold}.best AS SELECT max(revenue) AS top "
        f"FROM {gold}.daily",
        "days": f"CREATE OR REPLACE VIEW {gold}.days AS SELECT day FROM {gold}.daily",
    }
    for name, text in files.items():
        (sql / f"{name}.sql").write_text(text)
    app.repository.upsert([gold_row(f"{gold}.{name}", f"{name}.sql") for name in files])

    return app, orders, gold, sql


def test_the_plan_names_what_changed_and_the_run_builds_just_that(
    gold_layer: tuple[Application, str, str, Path],
) -> None:
    app, orders, gold, sql = gold_layer
    first = run_layer(app, RunRequest("silver_to_gold"))
    unchanged = render_plan(gold_plan(app, "silver_to_gold"))
    (sql / "daily.sql").write_text(
        f"-- now with a count\nCREATE OR REPLACE TABLE {gold}.daily AS\n"
        f"SELECT day, sum(amount) AS revenue, count(*) AS orders FROM {orders} GROUP BY day"
    )
    changed = gold_plan(app, "silver_to_gold")
    version_before = version(app.lakehouse, f"{gold}.daily")
    second = run_layer(app, RunRequest("silver_to_gold"))

    assert first.succeeded and {r.status for r in first.results} == {TaskStatus.SUCCESS}
    assert unchanged.splitlines()[0] == "up to date 3", unchanged
    states = {change.destination: change for change in changed}
    assert states[f"{gold}.daily"].state == "modified"
    assert states[f"{gold}.daily"].diff == ("+ COUNT(*) AS orders",)
    assert (
        states[f"{gold}.daily"].schema_after
        and "orders:bigint" in states[f"{gold}.daily"].schema_after
    )
    assert set(states[f"{gold}.daily"].downstream) == {f"{gold}.best", f"{gold}.days"}
    assert states[f"{gold}.best"].state == states[f"{gold}.days"].state == "up to date"
    assert version_before == 0  # the plan wrote nothing
    reasons = {r.key: (r.status, (r.build or {}).get("reason", "")) for r in second.results}
    assert reasons[f"{gold}.daily"] == (TaskStatus.SUCCESS, "sql_changed")
    assert reasons[f"{gold}.best"][1].startswith(f"inputs_changed: {gold}.daily version 0 -> 1")
    assert reasons[f"{gold}.days"][1] == f"inputs_changed: {gold}.daily changed shape"


def test_a_gold_table_named_by_full_refresh_is_planned_and_built_alone(
    gold_layer: tuple[Application, str, str, Path],
) -> None:
    app, _, gold, _ = gold_layer
    run_layer(app, RunRequest("silver_to_gold"))
    named = [f"{gold}.best"]

    planned = {c.destination: c.reason for c in gold_plan(app, "silver_to_gold", tables=named)}
    second = run_layer(app, RunRequest("silver_to_gold", full_refresh_tables=named))

    up_to_date = "up_to_date"
    assert planned == {
        f"{gold}.daily": up_to_date,
        f"{gold}.best": "forced",
        f"{gold}.days": up_to_date,
    }
    statuses = {r.key: r.status for r in second.results}
    assert statuses == {
        f"{gold}.daily": TaskStatus.UP_TO_DATE,
        f"{gold}.best": TaskStatus.SUCCESS,
        f"{gold}.days": TaskStatus.UP_TO_DATE,
    }


def test_the_orchestrator_notebooks_dry_run_shows_the_plan_and_runs_nothing(
    gold_layer: tuple[Application, str, str, Path],
) -> None:
    app, _, gold, _ = gold_layer
    arguments = {
        "layer": "silver_to_gold",
        "metadata_table": app.metadata_table,
        "environment": "",
        "dry_run": "true",
    }

    exit_value = json.loads(app.engine.run("orchestrator/nb_orchestrator", arguments, 600) or "{}")

    assert exit_value == {
        "dry_run": True,
        "layer": "silver_to_gold",
        "gold": {f"{gold}.{name}": "new" for name in ("daily", "best", "days")},
    }
    assert not app.spark.catalog.tableExists(app.lakehouse.table_of(f"{gold}.daily"))


def test_pinned_inputs_are_read_at_the_runs_start_and_a_repair_reuses_them(
    gold_layer: tuple[Application, str, str, Path],
) -> None:
    app, orders, gold, sql = gold_layer
    best = f"CREATE OR REPLACE TABLE {gold}.best AS SELECT max({{column}}) AS top FROM {orders}"
    (sql / "best.sql").write_text(best.format(column="amount_typo"))

    first = run_layer(app, RunRequest("silver_to_gold", pin_inputs=True))
    app.lakehouse.sql(f"INSERT INTO {orders} VALUES (3, 100, DATE'2024-01-02')")  # version 1
    (sql / "best.sql").write_text(best.format(column="amount"))
    repair = run_layer(app, RunRequest("silver_to_gold", repair_of=first.run_id))

    statuses = {r.key: r.status for r in first.results}
    assert statuses[f"{gold}.best"] is TaskStatus.FAILED
    assert [r.key for r in repair.results] == [f"{gold}.best"] and repair.succeeded
    top = app.lakehouse.sql(f"SELECT top FROM {gold}.best").first()
    assert top is not None and top["top"] == 10  # orders as the first run found it
    pinned = app.lakehouse.sql(
        f"SELECT run_id, pinned_versions FROM {app.run_history.tables.name('run_log')} "
        "WHERE run_id IN (:first, :repair)",
        args={"first": first.run_id, "repair": repair.run_id},
    ).collect()
    assert {row["pinned_versions"] for row in pinned} == {json.dumps({orders: 0})}
