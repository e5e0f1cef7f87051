"""Write the demo's bronze layer (catalog `dev_bronze`) as Fivetran has it on day 1 or day 2.

The rows are data, in `metadata/demo_bronze/` (demo/bronze_files.py reads it); bulk rows come
from the generator (demo/generated.py). Each row gets `_fivetran_synced`, the day's sync time
plus its seed id in seconds, and `_fivetran_deleted` false, unless its pick sets them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import reduce
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from medallion_orchestrator.demo.bronze_files import Pick, TableFile, read_table_files
from medallion_orchestrator.demo.generated import queries
from medallion_orchestrator.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

CATALOG = "dev_bronze"
DATA_FOLDER = Path("metadata", "demo_bronze")  # in the project folder
SYNCED = {1: "2024-03-01 02:00:00", 2: "2024-03-02 02:00:00"}
WRITERS = 4  # Delta commits are mostly latency: a few overlap well even on 2 cores


class BronzeTables:
    """The tables of a data folder, each with its generator query or its own rows."""

    def __init__(self, folder: Path) -> None:
        self.files = read_table_files(folder)
        by_key = {table.key: table for table in self.files}
        self.queries = queries(lambda key, column: by_key[key].column(column))
        if unmatched := {t.key for t in self.files if not t.rows} ^ set(self.queries):
            raise ConfigError(
                f"{folder}: a table needs a file, and one without rows a generator: "
                f"{sorted(unmatched)} lack one"
            )

    def names(self) -> list[str]:
        return [f"{CATALOG}.{table.key}" for table in self.files]


def write_bronze(lakehouse: Lakehouse, day: int, folder: Path) -> list[str]:
    """Write (overwrite) every bronze table of `folder` as on `day`; their names."""
    if day not in SYNCED:
        raise ValueError(f"day must be 1 or 2, not {day!r}")
    tables = BronzeTables(folder)
    for schema in sorted({table.schema for table in tables.files}):
        lakehouse.ensure_schema(CATALOG, schema)
    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="bronze") as pool:
        list(pool.map(lambda table: _write(lakehouse, tables, table, day), tables.files))
    return tables.names()


def _write(lakehouse: Lakehouse, tables: BronzeTables, table: TableFile, day: int) -> None:
    frame = build(lakehouse.spark, tables, table, day)
    (
        frame.coalesce(1)
        .write.format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .saveAsTable(lakehouse.table(CATALOG, table.schema, table.name))
    )


def build(spark: SparkSession, tables: BronzeTables, table: TableFile, day: int) -> DataFrame:
    """The table's rows on `day`: history tables add each day's rows, snapshots replace them."""
    days = [day] if table.snapshot else list(range(1, day + 1))
    picks = [(pick, synced_on) for synced_on in days for pick in table.days[synced_on]]
    parts = [_picked(spark, tables, table, pick, synced_on) for pick, synced_on in picks]
    return reduce(lambda left, right: left.unionByName(right), parts)


def _picked(
    spark: SparkSession, tables: BronzeTables, table: TableFile, pick: Pick, day: int
) -> DataFrame:
    from pyspark.sql import functions as F

    frame = _seeds(spark, tables, table, pick, day)
    if pick.where:
        frame = frame.where(pick.where)
    synced = f"timestampadd(SECOND, id, TIMESTAMP'{SYNCED[day]}')"
    frame = frame.withColumns(
        {"_fivetran_synced": F.expr(synced), "_fivetran_deleted": F.lit(False)}
    )
    typed = [f for f in frame.schema.fields if f.name != "id" and not f.name.startswith("seed_")]
    kinds = {f.name: f.dataType for f in typed}
    if unknown := set(pick.set) - set(kinds):
        raise ValueError(f"{table.key}: a pick sets {sorted(unknown)}, not its columns")
    frame = frame.withColumns(
        {name: F.lit(value).cast(kinds[name]) for name, value in pick.set.items()}
    )
    return frame.select(*[F.col(f.name) for f in typed])


def _seeds(
    spark: SparkSession, tables: BronzeTables, table: TableFile, pick: Pick, day: int
) -> DataFrame:
    """Seed ids `pick.low` to `pick.high` as the generator's rows or the file's own rows."""
    if not table.rows:
        ids = f"range({pick.low}, {pick.high + 1})"
        return spark.sql(Template(tables.queries[table.key]).substitute(ids=ids, day=day))
    from pyspark.sql import functions as F

    columns = ", ".join(f"`{name}` STRING" for name in table.columns)
    rows = [(seed, *row) for seed, row in enumerate(table.rows, start=1)]
    frame = spark.createDataFrame(rows, f"id BIGINT, {columns}")
    frame = frame.where(F.col("id").between(pick.low, pick.high))
    return frame.select("id", *[F.col(n).cast(kind) for n, kind in table.columns.items()])
