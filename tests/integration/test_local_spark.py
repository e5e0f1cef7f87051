"""The local session keeps the code Spark generates: a load's plan seen again is not compiled
again, however many other plans ran in between (Spark's default cache holds 100)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.spark

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
