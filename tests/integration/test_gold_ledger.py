"""Gold builds on real Delta tables: a build is recorded in task_run_log, the next one is skipped
while its SQL and inputs are as they were, and says why when it is not."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from integration.helpers import task_row, write_table
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.history.run_log import (
    BUILD_STATE,
    HistoryTables,
    RunHistory,
    attempt_row,
)
from medallion_orchestrator.loaders.common import latest_version
from medallion_orchestrator.loaders.gold_sql import GoldInputs, load_gold_sql
from medallion_orchestrator.loaders.materialized_views import check_fresh
from medallion_orchestrator.runtime.local_lakehouse import LocalLakehouse
from medallion_orchestrator.tasks import LoadReport, TaskResult, TaskStatus

pytestmark = [pytest.mark.spark, pytest.mark.codegen]

T0 = dt.datetime(2024, 1, 1)
DDL = Path(__file__).resolve().parents[2] / "metadata" / "ddl"


class Gold:
    """One gold destination, its SQL file and the ledger it is built against."""

    def __init__(self, lakehouse, unique: str, sql_dir: Path, name: str = "daily") -> None:  # type: ignore[no-untyped-def]
        self.lakehouse = lakehouse
        self.sql_dir = sql_dir
        self.destination = f"dev_gold.{unique}.{name}"
        self.row = task_row(
            "", self.destination, "gold_sql", layer="silver_to_gold", sql_file_path=f"{name}.sql"
        )
        self.history = RunHistory(lakehouse, HistoryTables("dev_silver", f"{unique}_meta"), DDL)
        self.history.ensure_tables()
        self.ledger = self.history.tables.name(BUILD_STATE)

    def write(self, sql: str) -> None:
        (self.sql_dir / f"{self.destination.split('.')[-1]}.sql").write_text(sql)

    def build(self, full_refresh: bool = False) -> LoadReport:
        inputs = GoldInputs(self.sql_dir, self.ledger, full_refresh)
        report = load_gold_sql(self.lakehouse, self.row, inputs)
        status = TaskStatus.UP_TO_DATE if report.up_to_date else TaskStatus.SUCCESS
        result = TaskResult(self.destination, "gold/nb", 1, status, "", T0, T0, 0.0, load=report)
        self.history._append("task_run_log", [attempt_row("r", "silver_to_gold", result, 1)])
        return report

    def version(self) -> int | None:
        return latest_version(self.lakehouse, self.lakehouse.table_of(self.destination))


@pytest.fixture()
def orders(lakehouse, unique: str) -> str:  # type: ignore[no-untyped-def]
    name = f"dev_silver.{unique}.orders"
    write_table(lakehouse, name, [(1, 10, T0), (2, 5, T0)], "id INT, amount INT, day TIMESTAMP")
    return name


def daily(orders: str, unique: str, where: str = "amount > 0") -> str:
    return (
        f"-- revenue per day\nCREATE OR REPLACE TABLE dev_gold.{unique}.daily AS\n"
        f"SELECT day, sum(amount) AS revenue FROM {orders} WHERE {where} GROUP BY day;\n"
    )


def test_a_build_is_skipped_until_its_sql_or_an_input_changes(
    lakehouse, unique: str, orders: str, tmp_path: Path
) -> None:
    gold = Gold(lakehouse, unique, tmp_path)
    gold.write(daily(orders, unique))

    first = gold.build()
    built_at = gold.version()
    again = gold.build()
    gold.write(daily(orders, unique).replace("\n", "\n  ").replace("sum(", "SUM("))
    reformatted = gold.build()
    gold.write(daily(orders, unique, where="amount > 5"))
    changed_sql = gold.build()
    lakehouse.sql(f"INSERT INTO {orders} VALUES (3, 7, TIMESTAMP'2024-01-02 00:00:00')")
    changed_input = gold.build()
    forced = gold.build(full_refresh=True)

    assert first.build and first.build["reason"] == "new" and not first.up_to_date
    assert again.up_to_date and reformatted.up_to_date
    assert again.target_version == reformatted.target_version == built_at
    assert changed_sql.build and changed_sql.build["reason"] == "sql_changed"
    assert changed_input.build and changed_input.build["reason"] == (
        f"inputs_changed: {orders} version 0 -> 1"
    )
    assert forced.build and forced.build["reason"] == "forced"
    assert gold.version() == built_at + 3  # one commit per build, none when up to date
    states = lakehouse.sql(f"SELECT destination, fingerprint FROM {gold.ledger}").collect()
    assert [row["destination"] for row in states] == [gold.destination]


def test_a_table_written_outside_its_build_is_built_again(
    lakehouse, unique: str, orders: str, tmp_path: Path
) -> None:
    gold = Gold(lakehouse, unique, tmp_path)
    gold.write(daily(orders, unique))
    gold.build()
    lakehouse.sql(f"DELETE FROM {gold.destination} WHERE revenue > 0")

    report = gold.build()

    assert report.build and report.build["reason"].startswith("target_changed: at version 1")


def test_nondeterministic_sql_is_always_built(
    lakehouse, unique: str, orders: str, tmp_path: Path
) -> None:
    gold = Gold(lakehouse, unique, tmp_path)
    gold.write(daily(orders, unique, where="day < current_date()"))
    gold.build()

    report = gold.build()

    assert report.build and report.build["reason"] == "nondeterministic: calls current_date"


def test_a_view_follows_its_inputs_shape_and_a_broken_one_names_the_column(
    lakehouse, unique: str, orders: str, tmp_path: Path
) -> None:
    gold = Gold(lakehouse, unique, tmp_path, name="big_orders")
    gold.write(
        f"CREATE OR REPLACE VIEW {gold.destination} AS SELECT id, amount FROM {orders} "
        "WHERE amount > 6"
    )
    first = gold.build()
    lakehouse.sql(f"INSERT INTO {orders} VALUES (3, 70, TIMESTAMP'2024-01-02 00:00:00')")
    data_only = gold.build()
    lakehouse.sql(f"CREATE OR REPLACE TABLE {orders} AS SELECT id, day FROM {orders}")

    with pytest.raises(LoadError) as broken:
        gold.build()

    assert first.build and first.build["reason"] == "new"
    assert data_only.up_to_date  # a view reads its inputs when queried: new rows change nothing
    assert f"{gold.destination}: " in str(broken.value)
    assert "amount" in str(broken.value)


def test_a_materialized_view_is_a_delta_table_locally_built_when_its_inputs_change(
    lakehouse, unique: str, orders: str, tmp_path: Path
) -> None:
    gold = Gold(lakehouse, unique, tmp_path)
    gold.write(
        f"-- revenue per day, every hour on Databricks\n"
        f"CREATE OR REPLACE MATERIALIZED VIEW {gold.destination}\n  SCHEDULE EVERY 1 HOUR AS\n"
        f"SELECT day, sum(amount) AS revenue FROM {orders} GROUP BY day;\n"
    )

    first = gold.build()
    again = gold.build()
    lakehouse.sql(f"INSERT INTO {orders} VALUES (3, 7, TIMESTAMP'2024-01-01 00:00:00')")
    changed_input = gold.build()
    built = gold.version()
    lakehouse.sql(f"INSERT INTO {orders} VALUES (4, 1, TIMESTAMP'2024-01-01 00:00:00')")
    lakehouse.sql(f"REFRESH MATERIALIZED VIEW {gold.destination}")  # as typed on Databricks

    assert first.message.endswith("a materialized view: locally a Delta table built from its query")
    assert again.up_to_date
    assert changed_input.build and changed_input.build["reason"] == (
        f"inputs_changed: {orders} version 0 -> 1"
    )
    assert gold.version() == built + 1 == 2
    assert lakehouse.sql(f"SELECT revenue FROM {gold.destination}").collect()[0][0] == 23
    with pytest.raises(Exception, match=rf"NOT_A_MATERIALIZED_VIEW.*{orders} is not a"):
        lakehouse.sql(f"REFRESH MATERIALIZED VIEW {orders}")
    lakehouse.sql(f"DROP MATERIALIZED VIEW {gold.destination}")
    assert gold.version() is None


class DatabricksViews(LocalLakehouse):
    """The local lakehouse as Databricks treats materialized views: it keeps and refreshes them
    (the stand-in runs the statements), and their freshness is read from their event log."""

    keeps_materialized_views = True

    def __init__(self, local: LocalLakehouse) -> None:
        super().__init__(local.spark, local.warehouse, local.catalogs)
        self.statements: list[str] = []

    def sql(self, statement: str, args=None):  # type: ignore[no-untyped-def]
        self.statements.append(" ".join(statement.split()))
        return super().sql(statement, args)

    def materialized_view_statements(self) -> list[str]:
        """Each statement on a materialized view, to its name's last part."""
        said = [
            re.match(r"(CREATE OR REPLACE|REFRESH) MATERIALIZED VIEW (\S+)", s)
            for s in self.statements
        ]
        self.statements.clear()
        return [f"{m[1]} {m[2].replace('`', '').rsplit('.', 1)[-1]}" for m in said if m]


def test_databricks_refreshes_materialized_views_in_order_and_names_a_stale_one(
    lakehouse, unique: str, orders: str, tmp_path: Path
) -> None:
    databricks = DatabricksViews(lakehouse)
    daily = Gold(databricks, unique, tmp_path)
    total = Gold(databricks, unique, tmp_path, name="total")
    daily.write(
        f"CREATE OR REPLACE MATERIALIZED VIEW {daily.destination} AS\n"
        f"SELECT day, sum(amount) AS revenue FROM {orders} GROUP BY day;\n"
    )
    total.write(
        f"CREATE OR REPLACE MATERIALIZED VIEW {total.destination} AS\n"
        f"SELECT sum(revenue) AS revenue FROM {daily.destination};\n"
    )

    created = [daily.build(), total.build()]
    said_first = databricks.materialized_view_statements()
    up_to_date = daily.build()
    lakehouse.sql(f"INSERT INTO {orders} VALUES (3, 7, TIMESTAMP'2024-01-01 00:00:00')")
    refreshed = [daily.build(), total.build()]
    said_then = databricks.materialized_view_statements()
    lakehouse.sql(f"INSERT INTO {orders} VALUES (4, 1, TIMESTAMP'2024-01-01 00:00:00')")
    with pytest.raises(LoadError) as stale:  # silver moved on since the last refresh
        check_fresh(databricks, daily.destination, daily.destination, [orders])

    assert [report.build and report.build["reason"] for report in created] == ["new", "new"]
    assert said_first == [
        "CREATE OR REPLACE daily",
        "CREATE OR REPLACE total",
    ]
    assert up_to_date.up_to_date
    assert refreshed[0].build and refreshed[0].build["reason"] == (
        f"inputs_changed: {orders} version 0 -> 1"
    )
    assert refreshed[1].build and re.fullmatch(  # a materialized view has no Delta version
        rf"inputs_changed: {daily.destination} refreshed \S+ -> \S+",
        refreshed[1].build["reason"],
    )
    assert said_then == ["REFRESH daily", "REFRESH total"]
    assert lakehouse.sql(f"SELECT revenue FROM {total.destination}").collect()[0][0] == 22
    assert str(stale.value).startswith(
        f"{daily.destination}: materialized view STALE: last refreshed "
    )
    assert f"inputs committed since: {orders} at " in str(stale.value)


def test_an_event_log_is_only_a_materialized_view_s(lakehouse, orders: str) -> None:
    with pytest.raises(Exception, match=rf"NOT_A_MATERIALIZED_VIEW.*{orders} is not a"):
        lakehouse.sql(f"SELECT * FROM event_log(TABLE({orders}))")


def test_an_event_log_read_leaves_no_view_behind(
    lakehouse, spark, unique: str, orders: str, tmp_path: Path
) -> None:
    gold = Gold(lakehouse, unique, tmp_path)
    gold.write(
        f"CREATE OR REPLACE MATERIALIZED VIEW {gold.destination} AS\n"
        f"SELECT day, sum(amount) AS revenue FROM {orders} GROUP BY day;\n"
    )
    gold.build()
    before = {t.name for t in spark.catalog.listTables() if t.isTemporary}

    events = lakehouse.sql(f"SELECT event_type FROM event_log(TABLE({gold.destination}))")

    assert {t.name for t in spark.catalog.listTables() if t.isTemporary} == before
    assert [row.event_type for row in events.collect()][-1] == "update_progress"
