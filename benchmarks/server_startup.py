"""`medallion run` and `medallion sql` launched as a user launches them: in a process of their own,
and through a warm local server (`medallion server start`), alternately, in one run.

From launching the command to its first task's start (the attempt's `started_at` in
task_run_log), and to its exit, for a one-row layer (one scd1 load of one row) on a home prepared
beforehand (overhead.py --prepare); and from launching a `SELECT count(*)` to its exit. Best of
`--rounds` for each; the server's own start is printed once.

    python benchmarks/server_startup.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LAYER = "bronze_to_silver"  # overhead.LAYER
RUN_ID = re.compile(r"Run (\S+)\s+layer " + LAYER)
COUNT = "SELECT count(*) AS n FROM dev_bronze.bench.customers"


def medallion(
    home: Path, *args: str, server: bool
) -> tuple[float, subprocess.CompletedProcess[str]]:
    environment = {**os.environ, "MEDALLION_SERVER": "manual" if server else "off"}
    launched = time.time()
    finished = subprocess.run(
        [sys.executable, "-m", "medallion_orchestrator", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=False,
    )
    if finished.returncode != 0:
        raise SystemExit(f"medallion {' '.join(args)} failed:\n{finished.stderr[-3000:]}")
    if server and "medallion server:" in finished.stderr:  # busy or stale: it ran on its own
        raise SystemExit(f"the server did not run it: {finished.stderr.splitlines()[0]}")
    return launched, finished


def first_starts(home: Path, run_ids: list[str]) -> dict[str, float]:
    """Each run's first attempt's start, in seconds since the epoch."""
    listed = ", ".join(f"'{run_id}'" for run_id in run_ids)
    _, answer = medallion(
        home,
        "sql",
        "SELECT run_id, min(unix_micros(started_at)) AS first FROM "
        f"dev_silver.metadata.task_run_log WHERE run_id IN ({listed}) GROUP BY run_id",
        "--format",
        "json",
        server=True,
    )
    return {row["run_id"]: row["first"] / 1e6 for row in json.loads(answer.stdout)}


def measure(home: Path, rounds: int) -> dict[str, dict[str, float]]:
    best: dict[str, dict[str, float]] = {"own process": {}, "warm server": {}}
    launches: list[tuple[str, str, float, float]] = []  # arm, run id, launched, exited
    for _ in range(rounds):
        for arm, server in (("own process", False), ("warm server", True)):
            launched, ran = medallion(home, "run", "--layer", LAYER, server=server)
            found = RUN_ID.search(ran.stdout)
            if found is None:
                raise SystemExit(f"no run id in:\n{ran.stdout}")
            launches.append((arm, found.group(1), launched, time.time()))
            launched, _ = medallion(home, "sql", COUNT, "--format", "csv", server=server)
            _keep_least(best[arm], "launch -> SELECT's exit", time.time() - launched)
    starts = first_starts(home, [run_id for _, run_id, _, _ in launches])
    for arm, run_id, launched, exited in launches:
        _keep_least(best[arm], "launch -> first task start", starts[run_id] - launched)
        _keep_least(best[arm], "launch -> run's exit", exited - launched)
    return best


def _keep_least(kept: dict[str, float], name: str, seconds: float) -> None:
    kept[name] = min(seconds, kept.get(name, seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="medallion-bench-") as folder:
        home = Path(folder) / "home"
        subprocess.run(
            [sys.executable, str(HERE / "overhead.py"), "--prepare", str(home)], check=True
        )
        began = time.time()
        medallion(home, "server", "start", server=False)
        started = time.time() - began
        try:
            best = measure(home, args.rounds)
        finally:
            medallion(home, "server", "stop", server=False)
    own, warm = best["own process"], best["warm server"]
    print(f"one-row layer, best of {args.rounds}, seconds (server start, once: {started:.1f}):")
    print(f"  {'':32}{'own process':>12}{'warm server':>12}{'ratio':>8}")
    for name in own:
        print(f"  {name:32}{own[name]:12.2f}{warm[name]:12.2f}{warm[name] / own[name]:8.2f}")
    first = "launch -> first task start"
    print(f"first_task_after_launch_warm={warm[first]:.2f} (at most 3 s aimed at)")


if __name__ == "__main__":
    main()
