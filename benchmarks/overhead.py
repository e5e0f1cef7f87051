"""Orchestrator overhead: per task with a no-op runner, and start-up to the first task.

1. The executors over 2000 tasks (4 execution orders) whose runner does nothing, 5 workers:
   batches; the ready queue on the same rows (the execution_order rule: every task of an order
   waits for all 500 of the one before, 750 000 edges); the ready queue with explicit
   depends_on (1-3 tasks of lower orders each). Milliseconds per task, best of 3.
2. Local Spark, in a fresh process: from starting `python` to the first task's start, for a
   one-row layer of a home prepared beforehand (Spark start, reading and validating the
   metadata, planning).

    python benchmarks/overhead.py [--tasks 2000] [--skip-spark]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT_START = time.time()

from medallion_orchestrator.execution.executor import BatchExecutor  # noqa: E402
from medallion_orchestrator.execution.ready_queue import ReadyQueueExecutor  # noqa: E402
from medallion_orchestrator.execution.results import TaskOutcome, TaskStatus  # noqa: E402
from medallion_orchestrator.planning import NotebookTask, Plan, plan_layer  # noqa: E402
from medallion_orchestrator.project import Environment, Pipeline  # noqa: E402

ORDERS = 4
WORKERS = 5
LAYER = "bronze_to_silver"
PIPELINES = {"scd1": Pipeline("scd1", "silver/nb_silver_dim_loader", ("business_key_columns",))}
DONE = TaskOutcome(TaskStatus.SUCCESS)


class NoOpRunner:
    def run(self, task: NotebookTask) -> TaskOutcome:
        return DONE


def row_values(number: int, order: int, depends_on: list[str] | None) -> dict[str, object]:
    return {
        "src_catalog": "dev_bronze",
        "src_schema": "bench",
        "src_table_name": "customers",
        "dst_catalog": "dev_silver",
        "dst_schema": "bench",
        "dst_table_name": f"t{number:05d}",
        "layer": LAYER,
        "is_active_flag": True,
        "execution_order": order,
        "execution_pipeline": "scd1",
        "business_key_columns": ["id"],
        "depends_on": depends_on,
    }


def make_plan(count: int, explicit: bool) -> Plan:
    from medallion_orchestrator.metadata.model import TaskRow

    rng = random.Random(3)
    per_order = count // ORDERS
    rows = []
    for number in range(count):
        order = number // per_order + 1
        depends_on = None
        if explicit:
            lower = range(min(number - number % per_order, number))
            picks = rng.sample(lower, min(len(lower), rng.randint(1, 3)))
            depends_on = [f"dev_silver.bench.t{pick:05d}" for pick in picks]
        rows.append(TaskRow.from_mapping(row_values(number, order, depends_on)))
    return plan_layer(LAYER, rows, PIPELINES, Environment("bench", "x.y.z"))


def per_task_ms(make_executor: type[BatchExecutor] | type[ReadyQueueExecutor], plan: Plan) -> float:
    best = float("inf")
    for _ in range(3):
        executor = make_executor(NoOpRunner(), max_workers=WORKERS)
        start = time.perf_counter()
        run = executor.execute(plan)
        best = min(best, time.perf_counter() - start)
        if not run.succeeded:
            raise SystemExit("a no-op task did not succeed")
    return best * 1000 / len(plan.tasks)


def executor_overhead(count: int) -> None:
    implicit, explicit = make_plan(count, explicit=False), make_plan(count, explicit=True)
    print(f"executor overhead, no-op runner, {count} tasks, {WORKERS} workers (best of 3):")
    print(f"  batches                        {per_task_ms(BatchExecutor, implicit):6.3f} ms/task")
    print(
        f"  ready-queue, execution_order   {per_task_ms(ReadyQueueExecutor, implicit):6.3f} ms/task"
    )
    print(
        f"  ready-queue, depends_on        {per_task_ms(ReadyQueueExecutor, explicit):6.3f} ms/task"
    )


def prepare(home: Path) -> None:
    """A home with one bronze table and one active row (run in its own process)."""
    from medallion_orchestrator.application import Application
    from medallion_orchestrator.metadata.model import TaskRow

    app = Application(home=home)
    app.repository.init()
    app.lakehouse.ensure_schema("dev_bronze", "bench")
    frame = app.spark.createDataFrame([(1, "a")], "id INT, name STRING")
    frame.write.format("delta").saveAsTable(app.lakehouse.table("dev_bronze", "bench", "customers"))
    app.repository.upsert([TaskRow.from_mapping(row_values(0, 1, None))])


def probe(home: Path) -> None:
    """Time stamps of one fresh `run_layer` (run in its own process)."""
    from medallion_orchestrator.application import Application
    from medallion_orchestrator.orchestration import run_layer

    stamps = {"imports_done": SCRIPT_START}
    app = Application(home=home)
    stamps["imports_done"] = time.time()
    app.spark  # noqa: B018 - starts the session
    stamps["spark_started"] = time.time()
    runner = app.runner

    class FirstStart:
        def run(self, task: NotebookTask) -> TaskOutcome:
            stamps.setdefault("first_task_started", time.time())
            return runner.run(task)

    result = run_layer(app.replace(runner=FirstStart()), LAYER, max_workers=1)
    stamps["first_task_ended"] = time.time()
    print(json.dumps({"succeeded": result.succeeded, **stamps}))


def spark_startup() -> None:
    with tempfile.TemporaryDirectory(prefix="medallion-bench-") as folder:
        home = Path(folder)
        subprocess.run([sys.executable, __file__, "--prepare", str(home)], check=True)
        started = time.time()
        probe_run = subprocess.run(
            [sys.executable, __file__, "--probe", str(home)],
            check=True,
            capture_output=True,
            text=True,
        )
        stamps = json.loads(probe_run.stdout.strip().splitlines()[-1])
    if not stamps["succeeded"]:
        raise SystemExit("the probe's task did not succeed")

    def since(name: str) -> float:
        return stamps[name] - started

    print("local Spark start-up, fresh process (seconds from launching python):")
    print(f"  imports done         {since('imports_done'):6.2f} s")
    print(f"  SparkSession ready   {since('spark_started'):6.2f} s")
    print(f"  first task started   {since('first_task_started'):6.2f} s")
    print(f"  first task ended     {since('first_task_ended'):6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare)
    elif args.probe:
        probe(args.probe)
    else:
        executor_overhead(args.tasks)
        if not args.skip_spark:
            spark_startup()


if __name__ == "__main__":
    main()
