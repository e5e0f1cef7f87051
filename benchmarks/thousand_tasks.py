"""1,000 tasks end to end: what the orchestrator itself costs a task, on the real local engine.

A layer of `--tasks` rows (default 1,000), each running a real notebook file that does nothing
but read its `task` widget and exit with the results contract. Everything else is on as in a
user's run: the metadata read and validation, the layer's lock, `run_log`, and each attempt
written to `task_run_log`. The home is fresh; one run of a small layer warms the JVM up first
(not timed).

Printed, measured in one run:
- the run's wall time, and the notebooks' own time (inside each notebook, from its first cell to
  its exit) summed;
- orchestration cost a task: (wall time - notebooks' own time / workers) / tasks;
- the commits to `task_run_log` the run made (its attempts are written in batches);
- validation of the rows alone, and the metadata read with it.

    python benchmarks/thousand_tasks.py [--tasks 1000] [--workers 8]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from medallion_orchestrator.application import Application
from medallion_orchestrator.loaders.common import latest_version
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.validation import validate_rows
from medallion_orchestrator.orchestration import run_layer, validated_rows
from medallion_orchestrator.project import Pipeline, ProjectLayout
from medallion_orchestrator.run_request import RunRequest

ROOT = Path(__file__).resolve().parent.parent
LAYER = "bench_noop"
WARM_UP = "bench_warm_up"
NOTEBOOK = """# Databricks notebook source
import json
import time

from medallion_orchestrator.exit_value import run_and_exit

began = time.perf_counter()
dbutils.widgets.text("task", "")
task = json.loads(dbutils.widgets.get("task"))
target = ".".join(task[key] for key in ("dst_catalog", "dst_schema", "dst_table_name"))


def load():
    own = time.perf_counter() - began
    return {"target": target, "rows_written": 0, "message": f"own {own:.6f}"}


run_and_exit(dbutils, load)
"""


def project(folder: Path) -> ProjectLayout:
    """This project's conf and DDL, and the no-op notebook."""
    for part in ("conf", "metadata/ddl"):
        shutil.copytree(ROOT / part, folder / part)
    notebook = folder / "notebooks" / "bench" / "nb_noop.py"
    notebook.parent.mkdir(parents=True)
    notebook.write_text(NOTEBOOK)
    return ProjectLayout(folder)


def rows(layer: str, count: int) -> list[TaskRow]:
    return [
        TaskRow.from_mapping(
            {
                "src_catalog": "dev_bronze",
                "src_schema": "bench",
                "src_table_name": "source",
                "dst_catalog": "dev_silver",
                "dst_schema": "bench",
                "dst_table_name": f"{layer}_{number:05d}",
                "layer": layer,
                "is_active_flag": True,
                "execution_order": 1,
                "execution_pipeline": "noop",
            }
        )
        for number in range(count)
    ]


def own_seconds(message: str | None) -> float:
    return float(message.split()[-1]) if message and message.startswith("own ") else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="medallion-1000-") as folder:
        app = Application(home=Path(folder) / "home").replace(
            layout=project(Path(folder) / "project"),
            pipelines={"noop": Pipeline("noop", "bench/nb_noop")},
        )
        app.repository.init()
        app.run_history.ensure_tables()
        app.repository.upsert(rows(WARM_UP, 20) + rows(LAYER, args.tasks))
        if not run_layer(app, RunRequest(WARM_UP, max_workers=args.workers)).succeeded:
            sys.exit("the warm-up run failed")

        start = time.perf_counter()
        layer_rows = validated_rows(app, LAYER)
        read_and_validated = time.perf_counter() - start
        start = time.perf_counter()
        problems = validate_rows(layer_rows, app.pipelines, app.layout.sql_dir)
        validated = time.perf_counter() - start
        if problems:
            sys.exit(f"the rows are not valid: {problems[0]}")

        log = app.lakehouse.table_of(app.run_history.tables.name("task_run_log"))
        before = latest_version(app.lakehouse, log) or 0
        start = time.perf_counter()
        result = run_layer(app, RunRequest(LAYER, max_workers=args.workers))
        wall = time.perf_counter() - start
        commits = (latest_version(app.lakehouse, log) or 0) - before
        if not result.succeeded:
            sys.exit("the timed run did not succeed")
        own = sum(own_seconds(task.load and task.load.message) for task in result.results)
        tasks = len(result.results)

    per_task_ms = (wall - own / args.workers) * 1000 / tasks
    print(f"{tasks} no-op notebook tasks, {args.workers} workers, real local engine:")
    print(f"  run wall time                  {wall:8.2f} s")
    print(f"  notebooks' own time, summed    {own:8.2f} s")
    print(f"  orchestration cost a task      {per_task_ms:8.1f} ms")
    print(f"  task_run_log commits           {commits:8d}")
    print(f"  validation of {tasks} rows     {validated * 1000:8.1f} ms")
    print(f"  metadata read + validation     {read_and_validated * 1000:8.1f} ms")
    print(json.dumps({"per_task_ms": round(per_task_ms, 2), "task_run_log_commits": commits}))


if __name__ == "__main__":
    main()
