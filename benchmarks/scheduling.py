"""Scheduling skew: batches (the article) against the ready queue, with the real executors.

A layer of 140 tasks in 3 execution orders (60 dimensions; 55 facts on 1-4 dimensions; 25
facts on 1-3 facts and 0-2 dimensions), durations drawn, seeded, from skewed (log-normal)
distributions and scaled so the whole layer is 2.5 h of work, as in the article. A runner sleeps
each task's duration, scaled down (1 simulated minute = SCALE real seconds). Longest-first gets
five past durations per task, each off by a random factor (the estimates are not exact).

    python benchmarks/scheduling.py [--workers 5] [--seed 7] [--timelines DIR]

Then a gold layer of 40 tables over it (30 reading 1-5 silver tables, 10 reading 1-2 of those
and 0-2 silver tables; 40 min of work): the two layers one after the other, each on the ready
queue, against the two run together as one graph (`medallion run --layer bronze_to_silver
--layer silver_to_gold`), where a gold table starts once what it reads has loaded.

`--timelines DIR` also draws the batches' run and the ready queue's (longest-first) as timelines,
DIR/scheduling_batches.png and DIR/scheduling_ready_queue.png, in simulated seconds.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from medallion_orchestrator.execution.executor import BatchExecutor
from medallion_orchestrator.execution.ready_queue import ReadyQueueExecutor
from medallion_orchestrator.execution.results import RunResult, TaskOutcome, TaskStatus
from medallion_orchestrator.graph import TaskGraph
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.metadata.validation import check_rows
from medallion_orchestrator.planning import NotebookTask, Plan, plan_layer, plan_together
from medallion_orchestrator.priorities import remaining_path_seconds
from medallion_orchestrator.project import Environment, Pipeline

SCALE = 0.1  # real seconds per simulated minute
TOTAL_MINUTES = 150.0  # the article's sequential run: 2.5 h
LAYERS = (  # execution_order, prefix, count, log-normal mu and sigma of minutes
    (1, "dim", 60, 0.0, 1.0),
    (2, "fact", 55, 0.8, 1.1),
    (3, "agg", 25, 0.5, 1.0),
)
GOLD_MINUTES = 40.0
PIPELINES = {"fact_overwrite": Pipeline("fact_overwrite", "silver/nb_silver_fact_loader")}
ENVIRONMENT = Environment("bench", "dev_silver.metadata.execution_table")


@dataclass
class SleepingRunner:
    """Sleeps each task's duration (simulated minutes * SCALE)."""

    minutes: dict[str, float]

    def run(self, task: NotebookTask) -> TaskOutcome:
        time.sleep(self.minutes[task.key] * SCALE)
        return TaskOutcome(TaskStatus.SUCCESS)


def destination(prefix: str, number: int) -> str:
    return f"dev_silver.bench.{prefix}_{number:03d}"


def bench_row(key: str, layer: str, order: int, depends_on: list[str]) -> TaskRow:
    catalog, schema, table = key.split(".")
    return TaskRow.from_mapping(
        {
            "dst_catalog": catalog,
            "dst_schema": schema,
            "dst_table_name": table,
            "src_catalog": "dev_bronze",
            "src_schema": schema,
            "src_table_name": table,
            "layer": layer,
            "is_active_flag": True,
            "execution_order": order,
            "execution_pipeline": "fact_overwrite",
            "depends_on": depends_on,
        }
    )


def make_layer(rng: random.Random) -> tuple[list[TaskRow], dict[str, float]]:
    """Rows with depends_on, and each task's duration in minutes."""
    minutes: dict[str, float] = {}
    keys: dict[int, list[str]] = {}
    for order, prefix, count, mu, sigma in LAYERS:
        keys[order] = [destination(prefix, number) for number in range(count)]
        minutes |= {key: rng.lognormvariate(mu, sigma) for key in keys[order]}
    scale = TOTAL_MINUTES / sum(minutes.values())
    minutes = {key: value * scale for key, value in minutes.items()}
    hub_weights = [1 / (rank + 1) for rank in range(len(keys[1]))]  # a few dims are everywhere
    depends_on: dict[str, list[str]] = {key: [] for key in keys[1]}
    for key in keys[2]:
        depends_on[key] = sorted(set(rng.choices(keys[1], hub_weights, k=rng.randint(1, 4))))
    for key in keys[3]:
        facts = rng.sample(keys[2], rng.randint(1, 3))
        dims = rng.choices(keys[1], hub_weights, k=rng.randint(0, 2))
        depends_on[key] = sorted(set(facts + dims))
    rows = [
        bench_row(key, "bronze_to_silver", order, depends_on[key])
        for order, order_keys in keys.items()
        for key in order_keys
    ]
    return rows, minutes


def make_gold(
    rng: random.Random, silver: list[str]
) -> tuple[list[TaskRow], dict[str, tuple[str, ...]], dict[str, float]]:
    """Gold rows (gold-on-gold as depends_on), the silver tables each reads, and durations."""
    base = [f"dev_gold.bench.gold_{number:03d}" for number in range(30)]
    on_gold = [f"dev_gold.bench.gold_{number:03d}" for number in range(30, 40)]
    reads = {key: tuple(sorted(rng.sample(silver, rng.randint(1, 5)))) for key in base}
    reads |= {key: tuple(sorted(rng.sample(silver, rng.randint(0, 2)))) for key in on_gold}
    depends_on = {key: [] for key in base}
    depends_on |= {key: sorted(rng.sample(base, rng.randint(1, 2))) for key in on_gold}
    minutes = {key: rng.lognormvariate(0.0, 1.0) for key in base + on_gold}
    scale = GOLD_MINUTES / sum(minutes.values())
    rows = [
        bench_row(key, "silver_to_gold", 2 if depends_on[key] else 1, depends_on[key])
        for key in base + on_gold
    ]
    return rows, reads, {key: value * scale for key, value in minutes.items()}


def noisy_history(rng: random.Random, minutes: dict[str, float]) -> dict[str, list[float]]:
    """Five past durations per task, each off by a random factor."""
    return {
        key: [value * rng.lognormvariate(0.0, 0.25) for _ in range(5)]
        for key, value in minutes.items()
    }


def layers_together(
    args: argparse.Namespace, rng: random.Random, silver: Plan, minutes: dict[str, float]
) -> None:
    """Silver then gold, each on the ready queue, against the two as one graph."""
    rows, reads, gold_minutes = make_gold(rng, [task.key for task in silver.tasks])
    check_rows(rows, PIPELINES, sql_dir=Path())
    gold = plan_layer("silver_to_gold", rows, PIPELINES, ENVIRONMENT)
    minutes = minutes | gold_minutes
    runner = SleepingRunner(minutes)
    past_durations = noisy_history(rng, minutes)
    together = plan_together([silver, gold], reads)
    graph = TaskGraph.of(together.tasks)
    critical_path = max(remaining_path_seconds(graph, minutes).values())
    edges = sum(len(names) for names in reads.values())
    print(
        f"with a gold layer: {len(gold.tasks)} gold tables, {edges} gold-on-silver reads, "
        f"{sum(gold_minutes.values()):.0f} min of gold work; ready queue, longest first; "
        f"critical path {critical_path:.1f} min"
    )
    print(f"  {'workers':>7} {'silver, then gold':>18} {'together':>9} {'lower bound':>12} speedup")
    for workers in (args.workers, 2 * args.workers, 4 * args.workers):
        lower_bound = max(critical_path, sum(minutes.values()) / workers)

        def ready_queue(workers: int = workers) -> ReadyQueueExecutor:
            return ReadyQueueExecutor(runner, workers, past_durations=past_durations)

        one_after_the_other = timed(ready_queue(), silver)[0] + timed(ready_queue(), gold)[0]
        at_once = timed(ready_queue(), together)[0]
        print(
            f"  {workers:>7} {one_after_the_other:>14.1f} min {at_once:>5.1f} min "
            f"{lower_bound:>8.1f} min {one_after_the_other / at_once:>7.2f}"
        )


def timed(executor: BatchExecutor | ReadyQueueExecutor, plan: Plan) -> tuple[float, RunResult]:
    """Simulated minutes from the start of the run to the end of its last task, and the run."""
    start = time.perf_counter()
    run = executor.execute(plan)
    elapsed = time.perf_counter() - start
    if not run.succeeded:
        raise SystemExit("a task of the benchmark did not succeed")
    return elapsed / SCALE, run


def draw(name: str, run: RunResult, plan: Plan, path: Path) -> None:
    """The run as a timeline, its times stretched to simulated seconds."""
    from medallion_orchestrator.history.timeline import Attempt, build_timeline
    from medallion_orchestrator.history.timeline_figure import timeline_figure, write_figure

    origin = min(r.started_at for r in run.results if r.started_at is not None)

    def simulated(moment: datetime) -> datetime:
        return origin + timedelta(seconds=(moment - origin).total_seconds() / SCALE * 60)

    attempts = [
        Attempt(r.key, 1, r.status, r.execution_order, simulated(start), simulated(end))
        for r in run.results
        if (start := r.started_at) is not None and (end := r.ended_at) is not None
    ]
    depends_on = {task.key: task.depends_on for task in plan.tasks}
    write_figure(timeline_figure(build_timeline(name, attempts, depends_on)), path)
    print(f"  timeline of {name} written to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timelines", type=Path, default=None, help="draw two runs in DIR")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows, minutes = make_layer(rng)
    check_rows(rows, PIPELINES, sql_dir=Path())
    plan = plan_layer("bronze_to_silver", rows, PIPELINES, ENVIRONMENT)
    graph = TaskGraph.of(plan.tasks)
    critical_path = max(remaining_path_seconds(graph, minutes).values())
    total = sum(minutes.values())
    lower_bound = max(critical_path, total / args.workers)
    runner = SleepingRunner(minutes)
    past_durations = noisy_history(rng, minutes)
    print(
        f"{len(plan.tasks)} tasks in {len(plan.batches)} execution orders, {graph.edge_count} "
        f"depends_on edges; durations {min(minutes.values()):.2f}-{max(minutes.values()):.1f} "
        f"min (median {sorted(minutes.values())[len(minutes) // 2]:.2f}); "
        f"1 simulated min = {SCALE:g} s"
    )
    runs = {
        "sequential": timed(BatchExecutor(runner, max_workers=1), plan),
        "batches (the article)": timed(BatchExecutor(runner, args.workers), plan),
        "ready-queue": timed(ReadyQueueExecutor(runner, args.workers, longest_first=False), plan),
        "ready-queue + longest-first": timed(
            ReadyQueueExecutor(runner, args.workers, past_durations=past_durations), plan
        ),
    }
    modes = {mode: minutes for mode, (minutes, _) in runs.items()}
    print(f"workers={args.workers}  (simulated minutes)")
    for mode, value in modes.items():
        print(f"  {mode:<28} {value:6.1f} min")
    print(
        f"  {'lower bound':<28} {lower_bound:6.1f} min  = max(critical path {critical_path:.1f}, "
        f"total work {total:.1f} / {args.workers})"
    )
    if args.timelines is not None:
        for mode, file in (
            ("batches (the article)", "scheduling_batches.png"),
            ("ready-queue + longest-first", "scheduling_ready_queue.png"),
        ):
            draw(f"{mode}, {args.workers} workers", runs[mode][1], plan, args.timelines / file)
    best = min(value for mode, value in modes.items() if mode != "sequential")
    print(
        f"ratio_to_lower_bound={best / lower_bound:.2f} "
        f"speedup_vs_batches={modes['batches (the article)'] / best:.2f}"
    )
    layers_together(args, rng, plan, minutes)


if __name__ == "__main__":
    main()
