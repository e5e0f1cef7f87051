"""Orchestrator overhead: per task with a no-op runner, and start-up to the first task.

1. The executors over 2000 tasks (4 execution orders) whose runner does nothing, 5 workers:
   batches; the ready queue on the same rows (the execution_order rule: every task of an order
   waits for all 500 of the one before, 750 000 edges); the ready queue with explicit
   depends_on (1-3 tasks of lower orders each). Milliseconds per task, best of 3.
2. Local Spark, in a fresh process: from launching `python` to the first task's start, for a
   one-row layer of a home prepared beforehand, split into the session's start and each step of
   the run's start-up and closing (startup_split.py). The same probe runs on the package as it
   is at `--before` (exported from git) and on this tree, alternately, `--rounds` times each;
   of each, the run whose first task started soonest after its session is shown.

    python benchmarks/overhead.py [--tasks 2000] [--skip-spark] [--before main] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from startup_split import report

from medallion_orchestrator.execution.executor import BatchExecutor
from medallion_orchestrator.execution.ready_queue import ReadyQueueExecutor
from medallion_orchestrator.execution.results import TaskOutcome, TaskStatus
from medallion_orchestrator.planning import NotebookTask, Plan, plan_layer
from medallion_orchestrator.project import Environment, Pipeline

ROOT = Path(__file__).resolve().parent.parent

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
    """A home with one bronze table, one active row and the history tables (run in its own
    process)."""
    from medallion_orchestrator.application import Application
    from medallion_orchestrator.metadata.model import TaskRow

    app = Application(home=home)
    app.repository.init()
    app.run_history.ensure_tables()  # as `medallion init` does
    app.lakehouse.ensure_schema("dev_bronze", "bench")
    frame = app.spark.createDataFrame([(1, "a")], "id INT, name STRING")
    frame.write.format("delta").saveAsTable(app.lakehouse.table("dev_bronze", "bench", "customers"))
    app.repository.upsert([TaskRow.from_mapping(row_values(0, 1, None))])


def probe(home: Path) -> None:
    """Time stamps and step spans of one fresh `run_layer` (run in its own process)."""
    from startup_split import class_archive_mapped, instrument, jvm_cpu_seconds

    from medallion_orchestrator.application import Application
    from medallion_orchestrator.orchestration import run_layer
    from medallion_orchestrator.run_request import RunRequest

    spans: list[dict[str, object]] = []
    instrument(spans)
    stamps = {"imports_done": time.time(), "cpu_launched": 0.0}  # the JVM's CPU when it starts
    app = Application(home=home)
    app.spark  # noqa: B018 - starts the session
    stamps["spark_started"] = time.time()
    process = app.spark.sparkContext._gateway.proc  # type: ignore[union-attr]
    stamps["cpu_spark_started"] = jvm_cpu_seconds(process.pid)
    stamps["archive_mapped"] = class_archive_mapped(process.pid)
    runner = app.runner

    class FirstStart:
        def run(self, task: NotebookTask) -> TaskOutcome:
            stamps.setdefault("first_task_started", time.time())
            stamps.setdefault("cpu_first_task_started", jvm_cpu_seconds(process.pid))
            outcome = runner.run(task)
            stamps.setdefault("first_task_ended", time.time())
            return outcome

    result = run_layer(app.replace(runner=FirstStart()), RunRequest(LAYER, max_workers=1))
    stamps["returned"] = time.time()
    stamps["cpu_returned"] = jvm_cpu_seconds(process.pid)
    print(json.dumps({"succeeded": result.succeeded, **stamps, "spans": spans}))


def probe_run(home: Path, source: Path | None) -> tuple[dict[str, Any], float]:
    """One probe in a fresh process, on `source`'s package (None: this tree's)."""
    environment = dict(os.environ)
    if source is not None:
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(source), os.environ.get("PYTHONPATH")])
        )
    launched = time.time()
    finished = subprocess.run(
        [sys.executable, __file__, "--probe", str(home)],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
    )
    if finished.returncode != 0:
        raise SystemExit(f"the probe failed:\n{finished.stderr[-3000:]}")
    run: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    if not run["succeeded"]:
        raise SystemExit("the probe's task did not succeed")
    return run, launched


def exported(revision: str, folder: Path) -> Path:
    """The package as it was at `revision`, to import instead of this tree's."""
    archive = subprocess.run(
        ["git", "archive", revision, "src"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "src"


def spark_startup(before: str | None, rounds: int) -> None:
    """Probes of `before` and of this tree, alternating; of each, the run whose first task
    started soonest after its session was ready is shown whole."""
    with tempfile.TemporaryDirectory(prefix="medallion-bench-") as folder:
        home = Path(folder) / "home"
        subprocess.run([sys.executable, __file__, "--prepare", str(home)], check=True)
        sources: dict[str, Path | None] = {}
        if before is not None:
            (Path(folder) / "before").mkdir()
            sources["before"] = exported(before, Path(folder) / "before")
            print(f"before: {before} ({_commit(before)}); after: this tree")
        sources["after"] = None
        best: dict[str, tuple[dict[str, Any], float]] = {}
        for _ in range(rounds):
            for name, source in sources.items():
                run, launched = probe_run(home, source)
                kept = best.get(name)
                if kept is None or _to_first_task(run) < _to_first_task(kept[0]):
                    best[name] = (run, launched)
    report({name: run for name, (run, _) in best.items()}, {n: at for n, (_, at) in best.items()})


def _commit(revision: str) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", revision],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def _to_first_task(run: dict[str, Any]) -> float:
    return float(run["first_task_started"] - run["spark_started"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument(
        "--before", default="main", help="the git revision to compare with ('' for none)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="probes of each version")
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
            spark_startup(args.before or None, args.rounds)


if __name__ == "__main__":
    main()
