"""The demo's real loaders on local Spark: bronze_to_silver at max workers 1, 2 and 4.

Builds a fresh temporary home, writes the demo's day-1 bronze tables and loads its metadata
rows, runs the layer once to warm the JVM up (not timed), then times `run_layer` at each worker
count on fresh silver tables (the layer's tables are dropped before each run).

Then the reason for a FAIR pool per worker: how long a small job of one worker takes while
another worker's big job runs, both in one shared pool (FIFO inside: the small job queues behind
the big one's tasks) or each in its own pool (what the local notebook engine does).

    python benchmarks/local_spark.py [--repeat N] [--workers 1 2 4] [--cores N] [--skip-pools]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from medallion_orchestrator.application import Application
from medallion_orchestrator.demo.bronze import DATA_FOLDER, write_bronze
from medallion_orchestrator.metadata.files import read_rows
from medallion_orchestrator.orchestration import run_layer
from medallion_orchestrator.run_request import RunRequest
from medallion_orchestrator.runtime.local_spark import local_spark

LAYER = "bronze_to_silver"
POOL = "spark.scheduler.pool"


def drop_layer_tables(app: Application) -> None:
    for row in app.repository.active_rows(LAYER):
        parts = (row.dst_catalog or "", row.dst_schema or "", row.dst_table_name or "")
        app.spark.sql(f"DROP TABLE IF EXISTS {app.lakehouse.table(*parts)}")
        forget = getattr(app.lakehouse, "forget", None)
        if forget is not None:
            forget(*parts)


def timed_run(app: Application, workers: int, scheduler: str) -> float:
    drop_layer_tables(app)
    start = time.perf_counter()
    result = run_layer(app, RunRequest(LAYER, max_workers=workers, scheduler=scheduler))
    elapsed = time.perf_counter() - start
    if not result.succeeded:
        sys.exit(f"the {LAYER} run at {workers} worker(s) did not succeed")
    return elapsed


def small_job_seconds(app: Application, big_pool: str, small_pool: str) -> float:
    """A small job's duration, started 2 s into a big job of another thread."""
    spark, context = app.spark, app.spark.sparkContext
    started = threading.Event()

    def big_job() -> None:
        context.setLocalProperty(POOL, big_pool)
        started.set()
        spark.range(0, 3_000_000_000, numPartitions=400).selectExpr("sum(id % 7)").collect()

    worker = threading.Thread(target=big_job)
    worker.start()
    started.wait()
    time.sleep(2.0)
    context.setLocalProperty(POOL, small_pool)
    start = time.perf_counter()
    spark.range(0, 1000, numPartitions=2).selectExpr("sum(id)").collect()
    elapsed = time.perf_counter() - start
    context.setLocalProperty(POOL, None)
    worker.join()
    return elapsed


def pool_comparison(app: Application, repeat: int) -> None:
    shared = min(small_job_seconds(app, "shared", "shared") for _ in range(repeat))
    own = min(small_job_seconds(app, "pool-a", "pool-b") for _ in range(repeat))
    print(f"a small job while another worker's big job runs (best of {repeat}):")
    print(f"  one shared pool (FIFO inside)  {shared:5.2f}s")
    print(f"  a FAIR pool per worker         {own:5.2f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs per worker count (best kept)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--scheduler", choices=["auto", "batch", "dag"], default="auto")
    parser.add_argument("--skip-pools", action="store_true", help="no pool comparison")
    parser.add_argument("--cores", type=int, default=None, help="local[N] (default: local[*])")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="medallion-bench-") as home:
        app = Application(home=Path(home))
        local_spark(app.home, cores=args.cores)  # the session the application then uses
        app.repository.init()
        rows = read_rows(app.layout.root / "metadata" / "demo")
        app.repository.upsert(rows)
        write_bronze(app.lakehouse, 1, app.layout.root / DATA_FOLDER)
        tasks = len(app.repository.active_rows(LAYER))
        master = app.spark.sparkContext.master
        print(f"layer {LAYER}: {tasks} tasks, Spark {master} on {os.cpu_count()} CPUs")
        timed_run(app, 2, args.scheduler)  # warm-up: JIT, class loading, Delta caches
        best: dict[int, float] = {}
        for _ in range(args.repeat):
            for workers in args.workers:
                elapsed = timed_run(app, workers, args.scheduler)
                best[workers] = min(elapsed, best.get(workers, elapsed))
        base = best[args.workers[0]]
        for workers, elapsed in best.items():
            print(
                f"max_workers={workers}  wall={elapsed:6.1f}s  "
                f"speedup_vs_{args.workers[0]}={base / elapsed:4.2f}"
            )
        if not args.skip_pools:
            pool_comparison(app, repeat=3)


if __name__ == "__main__":
    main()
