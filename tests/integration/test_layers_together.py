"""Two layers in one run on local Spark, the real notebooks: a gold table starts once the silver
tables its SQL reads have loaded, a failed silver table skips only the gold that reads it, and
each layer keeps its own run_log row, lock and repair."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cli_support import in_process
from integration.helpers import FIVETRAN, gold_row, task_row, write_table
from medallion_orchestrator.application import Application
from medallion_orchestrator.errors import InvalidMetadata
from medallion_orchestrator.execution.results import TaskStatus
from medallion_orchestrator.orchestration import run_layer
from medallion_orchestrator.project import ProjectLayout
from medallion_orchestrator.run_request import RunRequest
from medallion_orchestrator.run_together import plan_layers, run_layers
from medallion_orchestrator.tasks import NotebookTask, Runner, TaskOutcome

pytestmark = pytest.mark.spark

DAY1 = dt.datetime(2024, 1, 1)
SCHEMA = "id INT, name STRING, _fivetran_synced TIMESTAMP, _fivetran_deleted BOOLEAN"
LAYERS = ["bronze_to_silver", "silver_to_gold"]


@dataclass
class HeldUntil:
    """Runs the real notebooks; `held` does not start until `starter` has started."""

    runner: Runner
    held: str
    starter: str
    started: threading.Event = field(default_factory=threading.Event)
    waited: bool | None = None

    def run(self, task: NotebookTask) -> TaskOutcome:
        if task.key == self.starter:
            self.started.set()
        if task.key == self.held:
            self.waited = self.started.wait(timeout=300)
        return self.runner.run(task)


@pytest.fixture()
def app(app: Application, unique: str, project: Path) -> Application:
    """Silver customers and stores from bronze; gold per customer, per store and on gold."""
    app = app.replace(layout=ProjectLayout(project))
    bronze, silver, gold = f"dev_bronze.{unique}", f"dev_silver.{unique}", f"dev_gold.{unique}"
    write_table(app.lakehouse, f"{bronze}.customers", [(1, "ann", DAY1, False)], SCHEMA)
    files = {
        "by_customer": f"SELECT id, name FROM {silver}.customers",
        "by_store": f"SELECT id, name FROM {silver}.stores",
        "best": f"SELECT max(id) AS top FROM {gold}.by_customer",
    }
    for name, select in files.items():
        sql = f"CREATE OR REPLACE TABLE {gold}.{name} AS\n{select}\n"
        (project / "metadata" / "sql" / f"{name}.sql").write_text(sql)
    app.repository.upsert(
        [
            task_row(f"{bronze}.customers", f"{silver}.customers", "scd1", 1, ["id"], FIVETRAN),
            task_row(f"{bronze}.stores", f"{silver}.stores", "scd1", 1, ["id"], FIVETRAN),
            *(gold_row(f"{gold}.{name}", f"{name}.sql") for name in files),
        ]
    )
    return app


def test_a_gold_table_starts_once_what_it_reads_has_loaded(app: Application, unique: str) -> None:
    silver, gold = f"dev_silver.{unique}", f"dev_gold.{unique}"
    write_table(app.lakehouse, f"dev_bronze.{unique}.stores", [(5, "mall", DAY1, False)], SCHEMA)
    held = HeldUntil(app.runner, held=f"{silver}.stores", starter=f"{gold}.by_customer")

    silver_run, gold_run = run_layers(app.replace(runner=held), RunRequest(LAYERS, max_workers=2))

    assert held.waited, "gold by_customer did not start while silver stores was still to load"
    assert silver_run.succeeded and gold_run.succeeded
    assert [r.key for r in silver_run.results] == [f"{silver}.customers", f"{silver}.stores"]
    ended = {r.key: r.ended_at for r in silver_run.results} | {
        r.key: r.ended_at for r in gold_run.results
    }
    started = {r.key: r.started_at for r in gold_run.results}
    assert started[f"{gold}.by_store"] >= ended[f"{silver}.stores"]
    assert started[f"{gold}.best"] >= ended[f"{gold}.by_customer"]
    runs = {run["run_id"]: run for run in app.run_history.runs()}
    assert {runs[r.run_id]["layer"]: runs[r.run_id]["status"] for r in (silver_run, gold_run)} == {
        "bronze_to_silver": "SUCCESS",
        "silver_to_gold": "SUCCESS",
    }
    _, gold_attempts = app.run_history.run(gold_run.run_id)
    assert sorted(row["task"] for row in gold_attempts) == sorted(
        f"{gold}.{name}" for name in ("best", "by_customer", "by_store")
    )
    again = run_layer(app, RunRequest("silver_to_gold"))  # each layer's lock was released
    assert {r.status for r in again.results} == {TaskStatus.UP_TO_DATE}


def test_a_failed_silver_table_skips_only_the_gold_that_reads_it_and_each_layer_repairs(
    app: Application, unique: str
) -> None:
    silver, gold = f"dev_silver.{unique}", f"dev_gold.{unique}"

    silver_run, gold_run = run_layers(app, RunRequest(LAYERS))  # bronze stores does not exist yet

    assert {r.key: r.status for r in silver_run.results} == {
        f"{silver}.customers": TaskStatus.SUCCESS,
        f"{silver}.stores": TaskStatus.FAILED,
    }
    assert {r.key: r.status for r in gold_run.results} == {
        f"{gold}.by_customer": TaskStatus.SUCCESS,
        f"{gold}.best": TaskStatus.SUCCESS,
        f"{gold}.by_store": TaskStatus.SKIPPED,
    }
    skipped = next(r for r in gold_run.results if r.status is TaskStatus.SKIPPED)
    assert f"upstream {silver}.stores did not succeed" in skipped.message
    runs = {run["run_id"]: run["status"] for run in app.run_history.runs()}
    assert runs[silver_run.run_id] == runs[gold_run.run_id] == "FAILED"

    write_table(app.lakehouse, f"dev_bronze.{unique}.stores", [(5, "mall", DAY1, False)], SCHEMA)
    silver_repair = run_layer(app, RunRequest("bronze_to_silver", repair_of=silver_run.run_id))
    gold_repair = run_layer(app, RunRequest("silver_to_gold", repair_of=gold_run.run_id))

    assert [(r.key, r.status) for r in silver_repair.results] == [
        (f"{silver}.stores", TaskStatus.SUCCESS)
    ]
    assert [(r.key, r.status) for r in gold_repair.results] == [
        (f"{gold}.by_store", TaskStatus.SUCCESS)
    ]


def test_layers_that_cannot_run_together_are_refused_before_anything_runs(
    app: Application, unique: str
) -> None:
    silver, gold = f"dev_silver.{unique}", f"dev_gold.{unique}"
    loop = task_row(f"{gold}.best", f"{silver}.from_gold", "fact_overwrite", 2)
    app.repository.upsert([loop])
    (app.layout.sql_dir / "by_customer.sql").write_text(
        f"CREATE OR REPLACE TABLE {gold}.by_customer AS SELECT * FROM {silver}.from_gold"
    )

    with pytest.raises(InvalidMetadata, match="cycle"):
        plan_layers(app, LAYERS)
    with pytest.raises(InvalidMetadata, match="scheduler batch"):
        run_layers(app, RunRequest(LAYERS, scheduler="batch"))
    with pytest.raises(InvalidMetadata, match="given twice"):
        plan_layers(app, ["bronze_to_silver", "bronze_to_silver"])
    assert not app.spark.catalog.tableExists(app.run_history.physical("run_log"))  # nor made


def test_the_cli_and_the_orchestrator_notebook_run_layers_together(
    app: Application, unique: str, lakehouse_home: Path
) -> None:
    silver, gold = f"dev_silver.{unique}", f"dev_gold.{unique}"
    write_table(app.lakehouse, f"dev_bronze.{unique}.stores", [(5, "mall", DAY1, False)], SCHEMA)
    both = ("--layer", "bronze_to_silver", "--layer", "silver_to_gold")
    table = ("--metadata-table", app.metadata_table)

    dry = in_process(lakehouse_home, "run", *both, "--dry-run", *table)
    repair = in_process(lakehouse_home, "run", *both, "--repair", "20240101-000000-abcdef", *table)
    run = in_process(lakehouse_home, "run", *both, *table)
    arguments = {"layer": "bronze_to_silver,silver_to_gold", "metadata_table": app.metadata_table}
    exit_value = json.loads(app.engine.run("orchestrator/nb_orchestrator", arguments, 600) or "{}")

    assert dry.returncode == 0, dry.stderr
    assert f"{gold}.by_store -> gold/nb_gold_sql_loader (after: {silver}.stores)" in dry.stdout
    assert f"{gold}.best -> gold/nb_gold_sql_loader (after: {gold}.by_customer)" in dry.stdout
    assert repair.returncode == 2
    assert "each layer's run is repaired on its own" in repair.stderr
    assert run.returncode == 0, run.stderr
    assert "bronze_to_silver" in run.stdout and "silver_to_gold" in run.stdout
    assert [(value["layer"], value["succeeded"]) for value in exit_value["runs"]] == [
        ("bronze_to_silver", True),
        ("silver_to_gold", True),
    ]
    assert exit_value["runs"][1]["counts"]["UP_TO_DATE"] == 3
