"""Where a fresh `run_layer` spends its time: each start-up and closing step as a span.

The probe wraps the run path's steps (those this version of the code has) so that each call
records when it began and ended, on whichever thread; a step running beside another shows as
overlapping spans. `report` prints one run's split against another's (the code before a change,
exported from git, against the working tree).
"""

from __future__ import annotations

import functools
import importlib
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

# (label, phase, module of medallion_orchestrator, Class.method), in the order they run
STEPS = (
    ("metadata read", "start", "metadata.repository", "MetadataRepository.active_rows"),
    ("plan (the read + validation)", "start", "orchestration", "plan"),
    ("history tables check", "start", "history.startup_reads", "tables_complete"),
    ("ensure_tables", "start", "history.run_log", "RunHistory.ensure_tables"),
    ("durations read", "start", "history.run_log", "RunHistory.durations"),
    ("lock read", "start", "history.lock_table", "DeltaLockTable.holder_of"),
    ("lock claim (MERGE)", "start", "history.lock_table", "DeltaLockTable.insert"),
    ("run_log insert", "start", "history.run_log", "RunHistory.start_run"),
    ("stop writer", "closing", "history.run_log", "RunHistory.stop_writer"),
    ("close run_log row", "closing", "history.run_log", "RunHistory._close_run"),
    ("lock release", "closing", "history.lock", "LayerLock.release"),
)


def instrument(spans: list[dict[str, Any]]) -> None:
    """Wrap each step this code has; each call appends its span to `spans`."""
    for label, phase, module_name, qualname in STEPS:
        try:
            module = importlib.import_module(f"medallion_orchestrator.{module_name}")
        except ImportError:  # a module of the other version
            continue
        owner_name, _, name = qualname.rpartition(".")
        owner = getattr(module, owner_name, None) if owner_name else module
        if owner is None or not hasattr(owner, name):
            continue
        setattr(owner, name, _timed(getattr(owner, name), label, phase, spans))


def _timed(
    function: Callable[..., Any], label: str, phase: str, spans: list[dict[str, Any]]
) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.time()
        try:
            return function(*args, **kwargs)
        finally:
            thread = threading.current_thread().name
            spans.append(
                {
                    "step": label,
                    "phase": phase,
                    "start": start,
                    "end": time.time(),
                    "thread": thread,
                }
            )

    return timed


def jvm_cpu_seconds(pid: int) -> float:
    """The CPU time the process has used, user and system (Linux): contention on a shared
    machine stretches the wall-clock split far more than this."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def class_archive_mapped(pid: int) -> float | None:
    """1.0 if the JVM maps a class archive of medallion's (runtime/class_archive.py), else 0.0;
    None where /proc cannot tell (not Linux)."""
    try:
        lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    except OSError:
        return None
    return float(any("/classes/spark-" in line and line.endswith(".jsa") for line in lines))


def report(runs: Mapping[str, Mapping[str, Any]], launched: Mapping[str, float]) -> None:
    """One table: each version's split, the last column after/before when there are two."""
    names = list(runs)
    print("start-up split of one fresh `run_layer` (seconds; a step's own span, threads overlap):")
    print(
        f"  {'':34}"
        + "".join(f"{name:>10}" for name in names)
        + ("     ratio" if len(names) == 2 else "")
    )
    lines = _lines(runs, launched)
    for label, values in lines:
        cells = "".join(f"{value:10.2f}" if value is not None else f"{'-':>10}" for value in values)
        ratio = ""
        if len(values) == 2 and values[0] and values[1] is not None:
            ratio = f"{values[1] / values[0]:10.2f}"
        print(f"  {label:34}{cells}{ratio}")


def _lines(
    runs: Mapping[str, Mapping[str, Any]], launched: Mapping[str, float]
) -> list[tuple[str, list[float | None]]]:
    def each(measure: Callable[[str, Mapping[str, Any]], float | None]) -> list[float | None]:
        return [measure(name, run) for name, run in runs.items()]

    def stamp(a: str, b: str) -> Callable[[str, Mapping[str, Any]], float]:
        return lambda name, run: run[b] - (launched[name] if a == "launch" else run[a])

    lines: list[tuple[str, list[float | None]]] = [
        ("launch -> imports done", each(stamp("launch", "imports_done"))),
        ("launch -> SparkSession ready", each(stamp("launch", "spark_started"))),
        ("session ready -> first task start", each(stamp("spark_started", "first_task_started"))),
    ]
    lines += [(f"  {label}", each(_step(label))) for label in _labels(runs, "start")]
    lines.append(
        ("first task (a one-row scd1 load)", each(stamp("first_task_started", "first_task_ended")))
    )
    lines.append(
        ("first task end -> run_layer returned", each(stamp("first_task_ended", "returned")))
    )
    lines += [(f"  {label}", each(_step(label))) for label in _labels(runs, "closing")]
    lines.append(("launch -> run_layer returned", each(stamp("launch", "returned"))))
    lines.append(
        ("JVM CPU, launch -> session ready", each(stamp("cpu_launched", "cpu_spark_started")))
    )
    mapped = each(lambda _, run: run.get("archive_mapped"))
    lines.append(("class archive mapped (1 yes, 0 no)", mapped))
    lines.append(
        (
            "JVM CPU, ready -> first task start",
            each(stamp("cpu_spark_started", "cpu_first_task_started")),
        )
    )
    lines.append(
        ("JVM CPU, first task start -> end", each(stamp("cpu_first_task_started", "cpu_returned")))
    )
    return lines


def _labels(runs: Mapping[str, Mapping[str, Any]], phase: str) -> Sequence[str]:
    seen = {
        span["step"] for run in runs.values() for span in run["spans"] if span["phase"] == phase
    }
    return [label for label, step_phase, *_ in STEPS if step_phase == phase and label in seen]


def _step(label: str) -> Callable[[str, Mapping[str, Any]], float | None]:
    def seconds(_: str, run: Mapping[str, Any]) -> float | None:
        spans = [span for span in run["spans"] if span["step"] == label]
        return sum(span["end"] - span["start"] for span in spans) if spans else None

    return seconds
