"""The local session's JVM: it keeps the code Spark generates, and room for the JIT's code.

A load's plan seen again is not compiled again, however many other plans ran in between (Spark's
default cache holds 100). The quick JIT keeps the tiered code cache: C1 alone gets 48 MB, which a
day's run fills in about 100 s; the JVM then stops compiling and runs everything interpreted."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.codegen]

OTHER_PLANS = 150


def compilations(spark) -> int:  # type: ignore[no-untyped-def]
    source = spark._jvm.org.apache.spark.metrics.source
    metrics = getattr(getattr(source, "CodegenMetrics$"), "MODULE$")
    return int(metrics.METRIC_COMPILATION_TIME().getCount())


def run_plan(spark, number: int) -> None:  # type: ignore[no-untyped-def]
    """A query whose generated code is its own: the literal is compiled into it."""
    spark.range(3).selectExpr(f"id * {number} + 424242 AS value").collect()


def test_generated_code_is_reused_after_many_other_plans(spark) -> None:  # type: ignore[no-untyped-def]
    started = compilations(spark)
    run_plan(spark, 0)
    assert compilations(spark) > started, "the first run of a plan compiles its code"
    for number in range(1, OTHER_PLANS + 1):
        run_plan(spark, number)
    before = compilations(spark)
    run_plan(spark, 0)
    assert compilations(spark) == before


def vm_option(spark, name: str) -> str:  # type: ignore[no-untyped-def]
    jvm = spark._jvm
    bean = jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean")
    diagnostics = jvm.java.lang.management.ManagementFactory.getPlatformMXBean(bean)
    return str(diagnostics.getVMOption(name).getValue())


def test_the_jit_has_room_for_a_whole_run(spark) -> None:  # type: ignore[no-untyped-def]
    assert int(vm_option(spark, "ReservedCodeCacheSize")) >= 240 * 1024 * 1024


def test_the_test_session_jvm_has_the_optimizing_compiler(spark) -> None:  # type: ignore[no-untyped-def]
    """It lives for the whole run (tests/conftest.py asks for full_jit); a command's JVM does not
    (QUICK_JIT, which the processes of tests/e2e run with)."""
    assert vm_option(spark, "TieredStopAtLevel") == "4"


def test_the_jvm_collects_garbage_with_the_parallel_collector(spark) -> None:  # type: ignore[no-untyped-def]
    """Under G1 a loader test file's JVM spent a third more CPU (benchmarks/collectors.py), unless
    the user's Java options choose a collector (as that benchmark does for G1)."""
    chosen = re.search(r"-XX:\+(Use\w+GC)", os.environ.get("JAVA_TOOL_OPTIONS", ""))
    expected = chosen.group(1) if chosen else "UseParallelGC"
    assert vm_option(spark, expected) == "true"
    assert vm_option(spark, "UseG1GC") == str(expected == "UseG1GC").lower()


def test_the_test_session_splits_work_as_it_has_cores(spark) -> None:  # type: ignore[no-untyped-def]
    assert spark.sparkContext.defaultParallelism == 2  # conftest starts it on 2 cores
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"


ON_EVERY_CORE = """
import json, sys
from pathlib import Path
from medallion_orchestrator.runtime.local_spark import local_spark
spark = local_spark(Path(sys.argv[1]))
print(json.dumps({
    "cores": spark._jvm.java.lang.Runtime.getRuntime().availableProcessors(),
    "parallelism": spark.sparkContext.defaultParallelism,
    "partitions": int(spark.conf.get("spark.sql.shuffle.partitions")),
    "a new session's": int(spark.newSession().conf.get("spark.sql.shuffle.partitions")),
}))
"""


def test_a_session_on_every_core_splits_work_as_the_jvm_has_cores(tmp_path: Path) -> None:
    """A command's JVM, a server's and a benchmark's: as Spark's own default does, whatever the
    machine. A notebook's session (a new one, notebook_engine/) splits work alike. 4 partitions
    on 2 cores made a 700-column load about a fifth slower (docs/benchmarks.md)."""
    done = subprocess.run(
        [sys.executable, "-c", ON_EVERY_CORE, str(tmp_path / "home")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])

    assert set(seen.values()) == {seen["cores"]}, seen


def test_named_sql_parameters_are_bound_under_deltas_extension(spark) -> None:  # type: ignore[no-untyped-def]
    """The orchestrator's own reads pass values as parameters (`layer = :layer`), and so may a
    user's notebook. Spark 4.1 binds them in its own parser, which Delta's extension parser
    bypasses: without `parameterSubstitution.constantsOnly` this fails UNBOUND_SQL_PARAMETER."""
    spark.range(2).selectExpr("IF(id = 0, 'a', 'b') AS layer").createOrReplaceTempView("layers")
    query = "SELECT layer FROM layers WHERE layer = :layer OR :layer IS NULL ORDER BY layer"

    one = [row.layer for row in spark.sql(query, args={"layer": "a"}).collect()]
    every = [row.layer for row in spark.sql(query, args={"layer": None}).collect()]
    positional = spark.sql("SELECT layer FROM layers WHERE layer = ?", args=["b"]).collect()
    spark.catalog.dropTempView("layers")

    assert (one, every, [row.layer for row in positional]) == (["a"], ["a", "b"], ["b"])
