"""What the server does once, beside its first commands: the Delta code a run uses, compiled.

A fresh JVM's first Delta read, MERGE and append cost seconds each, mostly code run for the first
time; the server pays for them on a table of its own, then reads the home's metadata table if
there is one, so that later commands' statements cost what they cost on a warm cluster. A command
sent meanwhile does not wait for it (`medallion server start` does).
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)


def warm_up(spark: SparkSession, home: Path) -> None:
    started = time.perf_counter()
    scratch = home / "server" / "warm_up"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        _delta_round_trip(spark, scratch)
        _read_metadata(spark, home)
    except Exception as error:  # a warm-up that fails only leaves the first command slower
        logger.warning("warm-up did not finish: %s", str(error).splitlines()[0])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    logger.info("warmed up in %.1f s", time.perf_counter() - started)


def _delta_round_trip(spark: SparkSession, folder: Path) -> None:
    from delta.tables import DeltaTable

    rows = spark.range(100).selectExpr(
        "id", "CAST(id AS STRING) AS name", "current_timestamp() AS at"
    )
    rows.write.format("delta").save(str(folder))
    table = DeltaTable.forPath(spark, str(folder))
    (
        table.alias("t")
        .merge(rows.where("id < 10").alias("s"), "t.id = s.id")
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute()
    )
    rows.limit(1).write.format("delta").mode("append").save(str(folder))
    spark.read.format("delta").load(str(folder)).where("id = 1").collect()
    table.history(1).collect()


def _read_metadata(spark: SparkSession, home: Path) -> None:
    from medallion_orchestrator.application import Application
    from medallion_orchestrator.errors import ConfigError

    app = Application(home=home).replace(spark=spark)
    try:
        if app.repository.exists():
            app.repository.active_rows()
    except ConfigError:
        return  # not started in a project: nothing of it to read
