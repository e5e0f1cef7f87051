"""A local Delta-enabled SparkSession whose tables persist under the medallion home."""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from medallion_orchestrator import variables
from medallion_orchestrator.errors import EnvironmentProblem
from medallion_orchestrator.runtime import class_archive, local_catalog_api, local_names
from medallion_orchestrator.runtime.jars import ivy_dir
from medallion_orchestrator.runtime.java import check_java, java_executable
from medallion_orchestrator.runtime.quiet import jvm_output_to

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

HOME_CONF = "spark.medallion.home"
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
FAIR_POOLS = Path(__file__).with_name("fairscheduler.xml")
_lock = threading.Lock()
# Generated classes kept for reuse. Spark's default, 100, is less than one day of a few loads
# needs, so each load compiled its code again and the JIT optimized it again.
CODEGEN_CACHE_ENTRIES = 2000
# C1 alone reserves a 48 MB code cache, which a day's run fills in about 100 s: the JVM then stops
# compiling (or cannot link a method handle, and Spark stops). It keeps the tiered default, 240 MB.
QUICK_JIT = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"
# Local Spark is batch work on 2-8 cores: the parallel collector stops the JVM a little longer but
# costs less CPU than G1, whose concurrent marking ran every few seconds as Delta's plans piled up
# (docs/benchmarks.md, "Where the test suite's time goes").
THROUGHPUT_GC = "-XX:+UseParallelGC"
SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"
_served: SparkSession | None = None  # the session of the command a server runs (server/)


def warehouse_dir(home: Path) -> Path:
    return home / "warehouse"


def local_spark(home: Path, cores: int | None = None, full_jit: bool | None = None) -> SparkSession:
    """The process's local session for `home`; started once, then shared by every thread.
    `full_jit`: the optimizing compiler too (default: MEDALLION_JIT), for a JVM that lives long."""
    with _lock:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise EnvironmentProblem(
                "pyspark is not installed: install the local extra, "
                "pip install 'medallion-orchestrator[local]'"
            ) from None
        for active in (_served, SparkSession.getActiveSession()):
            if active is not None and active.conf.get(HOME_CONF, None) == str(home.resolve()):
                return active
        archive = archive_of_this_install()
        launched = time.time()
        archive_options = class_archive.java_options(archive)
        jit = _jit(variables.full_jit() if full_jit is None else full_jit)
        spark = _start(home.resolve(), cores, f"{archive_options} {jit}")
        if archive_options:
            class_archive.drop_if_refused(spark, archive, launched)
        return spark


@contextmanager
def serving(session: SparkSession) -> Iterator[None]:
    """`local_spark` gives `session` meanwhile: a command's own, in a server's warm JVM."""
    global _served
    _served = session
    try:
        yield
    finally:
        _served = None


def archive_of_this_install() -> Path:
    """The class archive of this Java and these jar files (runtime/class_archive.py)."""
    return class_archive.archive_path(
        class_cache(), java_executable(), check_java(), class_archive.spark_class_path()
    )


def archive_writing_spark(home: Path, archive: Path) -> SparkSession:
    """A session whose JVM writes `archive` when it exits (runtime/archive_writer.py)."""
    with _lock:
        return _start(
            home.resolve(),
            1,
            f"{class_archive.writing_options(archive)} {_jit(variables.full_jit())}",
        )


def class_cache() -> Path:
    return ivy_dir().parent / "classes"


def _start(home: Path, cores: int | None, java_options: str) -> SparkSession:
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    from medallion_orchestrator.runtime.jars import delta_jars

    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PYSPARK_PIN_THREAD", "true")
    builder = (
        SparkSession.builder.master(f"local[{cores or '*'}]")
        .appName("medallion")
        .config(HOME_CONF, str(home))
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config(
            "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog"
        )
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.warehouse.dir", str(warehouse_dir(home)))
        .config("spark.sql.sources.default", "delta")
        # Spark 4.1 binds `spark.sql(args=)` in its own parser, which Delta's extension parser
        # skips (delta-io/delta#7640): bind after parsing instead, as Spark 4.0 did
        .config("spark.sql.legacy.parameterSubstitution.constantsOnly", "true")
        # SHOW TABLES / SHOW SCHEMAS name their columns as Databricks does (database, ...)
        .config("spark.sql.legacy.keepCommandOutputSchema", "true")
        .config("spark.sql.adaptive.enabled", "true")
        # exponential in the columns of SCD2's plans (loaders/session_settings.py)
        .config("spark.sql.constraintPropagation.enabled", "false")
        .config("spark.sql.codegen.cache.maxEntries", str(CODEGEN_CACHE_ENTRIES))
        .config("spark.scheduler.mode", "FAIR")
        .config("spark.scheduler.allocation.file", str(FAIR_POOLS))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.databricks.delta.schema.autoMerge.enabled", "false")
        .config("spark.driver.memory", variables.driver_memory())
        .config(map=partition_settings(cores))
        .config(
            "spark.driver.extraJavaOptions",
            " ".join(
                (
                    f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}",
                    collector_option(),
                    java_options,
                )
            ),
        )
    )
    try:
        with (
            delta_jars(builder, configure_spark_with_delta_pip) as with_jars,
            jvm_output_to(spark_log(home)),
        ):
            spark = with_jars.getOrCreate()
    except Exception as error:
        raise EnvironmentProblem(_start_failure(error, spark_log(home))) from None
    spark.sparkContext.setLogLevel("ERROR")
    if cores is None:
        _partitions_as_cores(spark)
    local_names.install()
    local_catalog_api.install()
    return spark


def partition_settings(cores: int | None) -> dict[str, str]:
    """A session given its cores splits its work into as many partitions, as Spark's own default
    does. On 2 cores, 2 instead of 4 made the test session's small loads about 12 % quicker."""
    if cores is None:
        return {}
    return {SHUFFLE_PARTITIONS: str(cores), "spark.default.parallelism": str(cores)}


def _partitions_as_cores(spark: SparkSession) -> None:
    """A session on every core: as many shuffle partitions as the JVM has cores (the default
    parallelism of `local[*]`, which a container's CPU limit lowers), in its sessions to come
    too. On 2 cores, 4 made a 700-column load about a fifth slower."""
    cores = str(spark.sparkContext.defaultParallelism)
    spark.sparkContext._jsc.sc().conf().set(SHUFFLE_PARTITIONS, cores)  # type: ignore[attr-defined]
    spark.conf.set(SHUFFLE_PARTITIONS, cores)


def collector_option(environment: Mapping[str, str] = os.environ) -> str:
    """THROUGHPUT_GC, unless the user's Java options choose a collector: Java refuses two."""
    chosen = " ".join(
        environment.get(name, "") for name in ("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS")
    )
    return "" if re.search(r"-XX:\+Use\w+GC\b", chosen) else THROUGHPUT_GC


def _jit(full: bool) -> str:
    """The quick compiler only, unless `full`: a fresh JVM's first Delta reads and writes then
    cost about 40 % less CPU (benchmarks/overhead.py); a JVM that runs for many minutes gains
    from the optimizing compiler (the test session's: a load costs about a third less CPU)."""
    return "" if full else QUICK_JIT


def spark_log(home: Path) -> Path:
    """Where the local JVM's own output goes (quiet by default; see runtime/quiet.py)."""
    return home / "logs" / "spark.log"


def _start_failure(error: Exception, log: Path) -> str:
    text = str(error)
    if "JAVA_GATEWAY_EXITED" in text or "unresolved dependency" in text:
        return (
            "Spark could not start: the Delta Lake jars could not be fetched from Maven Central "
            f"or the JVM exited; check the network and run it again (details: {log})"
        )
    first = text.splitlines()[0] if text else type(error).__name__
    return f"Spark could not start: {first} (details: {log})"
