"""The local JVM's garbage collector: test files of the suite in one pytest process each, on the
collector local Spark now chooses (runtime/local_spark.THROUGHPUT_GC) and on G1, Java's default,
alternately, in one run.

Each round runs the files once per collector (`JAVA_TOOL_OPTIONS=-XX:+UseG1GC` picks G1: a
collector in the user's Java options is kept). Printed per collector: the best wall time, and
the JVM's CPU seconds of that run (read from /proc while it runs, so Linux only).

    python benchmarks/collectors.py [--rounds 1] [FILE ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ["tests/integration/test_loaders_scd2.py", "tests/integration/test_loaders_scd1.py"]
COLLECTORS = {"parallel (now)": "", "G1 (Java's default)": "-XX:+UseG1GC"}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def spark_jvms(parent: int) -> list[int]:
    """The JVMs started by `parent`: pyspark's gateway is a child of the pytest process."""
    pids = []
    for children in Path(f"/proc/{parent}/task").glob("*/children"):
        try:
            pids += [int(pid) for pid in children.read_text().split()]
        except FileNotFoundError:
            continue
    return [pid for pid in pids if b"SparkSubmit" in _command_line(pid)]


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def run(files: list[str], java_options: str) -> tuple[float, float]:
    """Wall seconds of one pytest process over `files`, and its JVM's CPU seconds."""
    environment = {**os.environ, "JAVA_TOOL_OPTIONS": java_options}
    if not java_options:
        environment.pop("JAVA_TOOL_OPTIONS")
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: dict[int, float] = {}
    while process.poll() is None:
        for pid in spark_jvms(process.pid):
            if (seconds := cpu_seconds(pid)) is not None:
                seen[pid] = seconds
        time.sleep(0.5)
    output = process.stdout.read() if process.stdout else ""
    if process.returncode != 0:
        sys.exit(f"pytest failed ({java_options or 'parallel'}):\n{output[-2000:]}")
    return time.monotonic() - started, sum(seen.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("files", nargs="*", default=FILES)
    arguments = parser.parse_args()
    best: dict[str, tuple[float, float]] = {}
    for _ in range(arguments.rounds):
        for name, options in COLLECTORS.items():
            wall, cpu = run(arguments.files, options)
            print(f"  {name:<22} wall {wall:7.1f} s   JVM CPU {cpu:7.1f} s", flush=True)
            if name not in best or wall < best[name][0]:
                best[name] = (wall, cpu)
    (now, (now_wall, now_cpu)), (_, (g1_wall, g1_cpu)) = best.items()
    print(f"files: {' '.join(arguments.files)}; best of {arguments.rounds}")
    print(f"{now}: wall/G1 {now_wall / g1_wall:.2f}, JVM CPU/G1 {now_cpu / g1_cpu:.2f}")


if __name__ == "__main__":
    main()
