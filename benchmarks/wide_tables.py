"""SCD2 on wide tables: a day-2 load at 20 columns against one at `--columns` (700), same rows.

dlt-meta's users report slow planning near 700 columns. Each width loads the same keys and
changes as scd2_vs_mack.py (10% changed, 1% new, 0.5% deleted), every column tracked, with
payload columns (integers and strings in turn) up to the width. The same load on 200 keys is
timed too: at that size a load is planning and driver work, so its time against the full one's
is the share spent there. Best of --repeat for each.

    python benchmarks/scd2_vs_mack.py --columns 700 [--rows 100000] [--repeat 3]
        [--deletion-vectors]
"""

from __future__ import annotations

import time
from pathlib import Path

from scd2_vs_mack import DELETION_VECTORS, bronze_sql, check, counts, task, write_bronze

NARROW = 20
PROBE_ROWS = 200
BASE_COLUMNS = 7  # id, name, city, tier, points, updated_at, _deleted
CONFIG = {
    "sequence_column": "updated_at",
    "delete_condition": "_deleted = true",
    "exclude_columns": ["_deleted"],
}


def widened(query: str, columns: int) -> str:
    """The bronze query with payload columns up to `columns` in all."""
    payload = [
        f"CAST(id % 1000 + {number} AS INT) AS c{number:03d}"
        if number % 2
        else f"concat('v', id % 997, '-', {number}) AS c{number:03d}"
        for number in range(1, columns - BASE_COLUMNS + 1)
    ]
    return f"SELECT *, {', '.join(payload)} FROM ({query})" if payload else query


def day2_seconds(lakehouse, rows: int, columns: int, target: str) -> float:  # type: ignore[no-untyped-def]
    """Day 1 (not timed) then day 2 (timed) of `rows` keys at `columns` columns."""
    from medallion_orchestrator.loaders.dispatch import load_dimension

    for day in (1, 2):
        write_bronze(lakehouse, widened(bronze_sql(rows, day), columns), f"wide_day{day}")
    for day in (1, 2):
        row = task("scd2", f"wide_day{day}", target, ["id"], CONFIG)
        started = time.perf_counter()
        load_dimension(lakehouse, row)
        seconds = time.perf_counter() - started
    current, closed = counts(lakehouse.spark, lakehouse.table("dev_silver", "bench", target))
    changed, new, deleted = rows // 10, rows // 100, rows // 200
    check(f"{columns} columns", current, closed, rows - deleted + new, changed + deleted)
    return seconds


def run_wide(
    rows: int, columns: int, repeat: int, home: Path, deletion_vectors: bool = False
) -> int:
    from medallion_orchestrator.runtime.lakehouse import lakehouse_for
    from medallion_orchestrator.runtime.local_spark import local_spark

    spark = local_spark(home)
    lakehouse = lakehouse_for(spark)
    if deletion_vectors:
        spark.conf.set(DELETION_VECTORS, "true")
    print(f"deletion vectors: {'on' if deletion_vectors else 'off'}")
    best: dict[tuple[int, int], float] = {}
    attempt = 0
    for _ in range(repeat):
        for width in (NARROW, columns):
            for size in (rows, PROBE_ROWS):
                attempt += 1
                seconds = day2_seconds(lakehouse, size, width, f"wide_{attempt}")
                print(f"  {width} columns, {size:,} keys: day 2 in {seconds:.2f} s")
                best[(width, size)] = min(best.get((width, size), seconds), seconds)
    print(f"SCD2 day 2 of {rows:,} keys, every column tracked (best of {repeat}):")
    print("  columns   seconds a load   200-key load   its share")
    for width in (NARROW, columns):
        full, probe = best[(width, rows)], best[(width, PROBE_ROWS)]
        print(f"  {width:7d}   {full:14.2f}   {probe:12.2f}   {probe / full:9.0%}")
    ratio = best[(columns, rows)] / best[(NARROW, rows)]
    print(f"wide_over_narrow={ratio:.2f} (at most 3 aimed at)")
    return 0
