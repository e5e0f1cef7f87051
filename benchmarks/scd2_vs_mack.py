"""SCD2 speed: our loader against mack's type_2_scd_upsert, same data, same Spark session.

    python benchmarks/scd2_vs_mack.py [--rows 1000000] [--repeat 3] [--deletion-vectors [on|off]]
    python benchmarks/scd2_vs_mack.py --columns 700 [--rows 100000]   (wide_tables.py)

Day 1 loads a dimension of --rows keys. Day 2's bronze holds the latest row of every key (as
Fivetran keeps it): 10% of the keys changed (a tracked column), 1% new, 0.5% deleted
(`_deleted = true`), the rest as on day 1. Both loaders get that day-2 data; mack cannot
delete, so it gets the rows not deleted. Timed: the day-2 load of each. Our loader also does
what mack does not: NULL-safe change detection, duplicate and conflict checks, NULL-key checks,
deletes, late-event handling, no commit when nothing changed. Each loader runs --repeat times
on fresh tables, alternating who goes first; the best time of each counts. Each result is
checked against the counts the generated changes imply, and a rerun of day 2 must commit
nothing. This runs twice in one session, tables without deletion vectors then with them (as
Databricks creates them by default); each prints its first attempt apart from the best, and its
ratio. Then SCD1 and the incremental fact merge on the same volume print their rows/s.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medallion_orchestrator.metadata.model import TaskRow

TRACKED = ["name", "city", "tier", "points"]
DELETION_VECTORS = "spark.databricks.delta.properties.defaults.enableDeletionVectors"
CONFIG = {
    "sequence_column": "updated_at",
    "delete_condition": "_deleted = true",
    "exclude_columns": ["_deleted"],
}
BRONZE = """
    SELECT id,
      concat('customer ', id) AS name,
      IF({changed}, concat('city ', id % 1000, ' moved'), concat('city ', id % 1000)) AS city,
      element_at(array('bronze', 'silver', 'gold'), CAST(1 + id % 3 AS INT)) AS tier,
      CAST(id % 5000 AS INT) AS points,
      IF({touched}, TIMESTAMP'2024-03-02 02:00:00', TIMESTAMP'2024-03-01 02:00:00') AS updated_at,
      {deleted} AS _deleted
    FROM range(1, {last} + 1)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, help="keys on day 1 (default 1,000,000; with --columns, 100,000)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each SCD2 loader; the best one counts"
    )
    parser.add_argument(
        "--deletion-vectors",
        choices=("on", "off", "both"),
        nargs="?",
        const="on",
        default="both",
        help="tables (ours and mack's) with deletion vectors, as Databricks creates them, without "
        "them, or both in turn (default both; the flag alone: on)",
    )
    parser.add_argument("--home", type=Path, help="lakehouse folder (default: a temporary one)")
    parser.add_argument(
        "--columns", type=int, help="instead: our SCD2 at 20 columns against this many"
    )
    args = parser.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="medallion-bench-"))
    try:
        if args.columns:
            from wide_tables import run_wide

            return run_wide(
                args.rows or 100_000, args.columns, args.repeat, home, args.deletion_vectors == "on"
            )
        modes = {"off": (False,), "on": (True,), "both": (False, True)}[args.deletion_vectors]
        return run(args.rows or 1_000_000, args.repeat, home, modes)
    finally:
        if args.home is None:
            shutil.rmtree(home, ignore_errors=True)


def run(rows: int, repeat: int, home: Path, modes: tuple[bool, ...] = (False, True)) -> int:
    from medallion_orchestrator.runtime.lakehouse import lakehouse_for
    from medallion_orchestrator.runtime.local_spark import local_spark

    spark = local_spark(home)
    lakehouse = lakehouse_for(spark)
    changed, new, deleted = rows // 10, rows // 100, rows // 200
    print(f"{rows:,} keys; day 2: {changed:,} changed, {new:,} new, {deleted:,} deleted")
    for number in (1, 2):
        write_bronze(lakehouse, bronze_sql(rows, number), f"customers_day{number}")
    lines = [compare(spark, lakehouse, home, rows, repeat, vectors) for vectors in modes]
    spark.conf.set(DELETION_VECTORS, "false")
    print("\n".join(lines))
    scd1 = time_ours(lakehouse, "scd1", "customers_scd1")
    total = rows + new
    print(f"SCD1 day 2: {total:,} bronze rows in {scd1:.1f} s = {total / scd1:,.0f} rows/s")
    merged, seconds = time_incremental(lakehouse, rows)
    print(
        f"incremental merge day 2: {merged:,} rows past the watermark in {seconds:.1f} s = "
        f"{merged / seconds:,.0f} rows/s"
    )
    return 0


def compare(spark, lakehouse, home: Path, rows: int, repeat: int, vectors: bool) -> str:  # type: ignore[no-untyped-def]
    """Our SCD2 day 2 against mack's, `repeat` times each, alternating who goes first; the line
    that says the first attempt and the best."""
    mode = "on" if vectors else "off"
    spark.conf.set(DELETION_VECTORS, str(vectors).lower())
    print(f"deletion vectors: {mode} (ours and mack's tables)")
    changed, new, deleted = rows // 10, rows // 100, rows // 200
    ours: list[float] = []
    theirs: list[float] = []
    for attempt in range(1, repeat + 1):
        target = f"customers_scd2_dv_{mode}_{attempt}"
        mack_path = home / f"mack_customers_dv_{mode}_{attempt}"
        for who in ("ours", "mack") if attempt % 2 else ("mack", "ours"):  # alternate
            if who == "ours":
                ours.append(time_ours(lakehouse, "scd2", target))
            else:
                theirs.append(time_mack(spark, lakehouse, mack_path))
        current, closed = counts(spark, lakehouse.table("dev_silver", "bench", target))
        check("ours", current, closed, rows - deleted + new, changed + deleted)
        current, closed = counts(spark, f"delta.`{mack_path}`")
        check("mack", current, closed, rows + new, changed)
        check_vectors(spark, lakehouse.table("dev_silver", "bench", target), vectors)
    rerun_unchanged(lakehouse, f"customers_scd2_dv_{mode}_1")
    best, best_mack = min(ours), min(theirs)
    return (
        f"SCD2 day 2, deletion vectors {mode}: first ours {ours[0]:.1f} s, mack "
        f"{theirs[0]:.1f} s; best of {repeat} ours {best:.1f} s, mack {best_mack:.1f} s, "
        f"ours/mack {best / best_mack:.2f}"
    )


def check_vectors(spark, table: str, vectors: bool) -> None:  # type: ignore[no-untyped-def]
    """The target was made as the mode says: with deletion vectors on or without them."""
    properties = {
        row["key"]: row["value"] for row in spark.sql(f"SHOW TBLPROPERTIES {table}").collect()
    }
    enabled = properties.get("delta.enableDeletionVectors", "false") == "true"
    if enabled != vectors:
        raise SystemExit(f"{table}: delta.enableDeletionVectors is {enabled}, not {vectors}")


def bronze_sql(rows: int, day: int) -> str:
    if day == 1:
        return BRONZE.format(changed="false", touched="false", deleted="false", last=rows)
    changed, deleted, new = (
        f"(id % 10 = 0 AND id <= {rows})",
        f"(id % 200 = 1 AND id <= {rows})",
        f"id > {rows}",
    )
    return BRONZE.format(
        changed=changed,
        touched=f"({changed} OR {deleted} OR {new})",
        deleted=deleted,
        last=rows + rows // 100,
    )


def task(pipeline: str, source: str, target: str, keys: list[str], config: dict) -> TaskRow:  # type: ignore[type-arg]
    from medallion_orchestrator.metadata.model import TaskRow

    key_column = (
        "primary_key_columns" if pipeline == "fact_incremental_merge" else ("business_key_columns")
    )
    return TaskRow.from_mapping(
        {
            "src_catalog": "dev_bronze", "src_schema": "bench", "src_table_name": source,
            "dst_catalog": "dev_silver", "dst_schema": "bench", "dst_table_name": target,
            "layer": "bronze_to_silver", "is_active_flag": True, "execution_order": 1,
            "execution_pipeline": pipeline,
            key_column: keys,
            "cdc_source_config": config,
        }
    )  # fmt: skip


def time_ours(lakehouse, pipeline: str, target: str) -> float:  # type: ignore[no-untyped-def]
    """Day 1 (not timed) then day 2 (timed) into a fresh target."""
    from medallion_orchestrator.loaders.dispatch import load_dimension

    for number in (1, 2):
        row = task(pipeline, f"customers_day{number}", target, ["id"], CONFIG)
        started = time.perf_counter()
        result = load_dimension(lakehouse, row)
        seconds = time.perf_counter() - started
        print(f"  ours {pipeline} day {number}: {seconds:.1f} s ({result.message})")
    return seconds


def rerun_unchanged(lakehouse, target: str) -> None:  # type: ignore[no-untyped-def]
    """Day 2 again into a loaded target: nothing to write, so no new Delta version."""
    from medallion_orchestrator.loaders.common import latest_version
    from medallion_orchestrator.loaders.dispatch import load_dimension

    table = lakehouse.table("dev_silver", "bench", target)
    before = latest_version(lakehouse, table)
    row = task("scd2", "customers_day2", target, ["id"], CONFIG)
    started = time.perf_counter()
    result = load_dimension(lakehouse, row)
    seconds = time.perf_counter() - started
    status = "ok" if latest_version(lakehouse, table) == before else "WRONG"
    print(f"  ours scd2 day 2 again: {seconds:.1f} s ({result.message}; no new version: {status})")
    if status != "ok":
        raise SystemExit("a rerun with no new bronze data committed a new version")


def time_mack(spark, lakehouse, path: Path) -> float:  # type: ignore[no-untyped-def]
    import mack
    from delta.tables import DeltaTable

    day = {
        n: spark.table(lakehouse.table("dev_bronze", "bench", f"customers_day{n}")) for n in (1, 2)
    }
    day[1].selectExpr(
        "id", *TRACKED, "true AS is_current", "updated_at AS effective_time",
        "CAST(NULL AS TIMESTAMP) AS end_time",
    ).write.format("delta").save(str(path))  # fmt: skip
    updates = (
        day[2].where("NOT _deleted").selectExpr("id", *TRACKED, "updated_at AS effective_time")
    )
    started = time.perf_counter()
    mack.type_2_scd_upsert(DeltaTable.forPath(spark, str(path)), updates, "id", TRACKED)
    seconds = time.perf_counter() - started
    print(f"  mack day 2: {seconds:.1f} s")
    return seconds


def time_incremental(lakehouse, rows: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    from medallion_orchestrator.loaders.dispatch import load_incremental

    row = task(
        "fact_incremental_merge", "orders", "orders", ["order_id"],
        {"watermark_column": "updated_at"},
    )  # fmt: skip
    day1 = (
        f"SELECT id AS order_id, CAST(id % 997 AS DECIMAL(12,2)) AS amount, "
        f"timestampadd(SECOND, id % 3600, TIMESTAMP'2024-03-01 02:00:00') "
        f"AS updated_at FROM range(1, {rows} + 1)"
    )
    day2 = (
        f"SELECT id AS order_id, CAST(id % 991 AS DECIMAL(12,2)) AS amount, "
        f"TIMESTAMP'2024-03-02 02:00:00' AS updated_at FROM range(1, {rows} + {rows // 100} + 1) "
        "WHERE id % 10 = 0 OR id > " + str(rows)
    )
    write_bronze(lakehouse, day1, "orders")
    load_incremental(lakehouse, row)
    write_bronze(lakehouse, f"{day1} UNION ALL {day2}", "orders")
    merged = lakehouse.spark.sql(day2).count()
    started = time.perf_counter()
    result = load_incremental(lakehouse, row)
    seconds = time.perf_counter() - started
    print(f"  ours incremental day 2: {seconds:.1f} s ({result.message})")
    return merged, seconds


def write_bronze(lakehouse, query: str, name: str = "customers") -> None:  # type: ignore[no-untyped-def]
    lakehouse.ensure_schema("dev_bronze", "bench")
    lakehouse.spark.sql(query).write.format("delta").mode("overwrite").option(
        "overwriteSchema", "true"
    ).saveAsTable(lakehouse.table("dev_bronze", "bench", name))


def counts(spark, table: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    row = spark.sql(
        f"SELECT count_if(is_current) AS current, count_if(NOT is_current) AS closed FROM {table}"
    ).first()
    return int(row["current"]), int(row["closed"])


def check(who: str, current: int, closed: int, want_current: int, want_closed: int) -> None:
    status = "ok" if (current, closed) == (want_current, want_closed) else "WRONG"
    print(
        f"  {who}: {current:,} current (expected {want_current:,}), {closed:,} closed "
        f"(expected {want_closed:,}): {status}"
    )
    if status != "ok":
        raise SystemExit(f"{who}'s SCD2 result is not what the generated changes imply")


if __name__ == "__main__":
    sys.exit(main())
