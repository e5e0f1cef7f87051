"""The local JVM's collector: the parallel one, unless the user's Java options choose another (a
JVM given two refuses to start: "Multiple garbage collectors selected"). A session given its
cores: as many partitions (on every core, tests/integration/test_local_spark.py)."""

from __future__ import annotations

import pytest

from medallion_orchestrator.runtime.local_spark import (
    SHUFFLE_PARTITIONS,
    THROUGHPUT_GC,
    collector_option,
    partition_settings,
)


def test_the_parallel_collector_by_default() -> None:
    assert collector_option({}) == THROUGHPUT_GC == "-XX:+UseParallelGC"
    assert collector_option({"JAVA_TOOL_OPTIONS": "-Xss4m -XX:+UseCompressedOops"}) == THROUGHPUT_GC


@pytest.mark.parametrize("variable", ["JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS"])
@pytest.mark.parametrize("choice", ["-XX:+UseG1GC", "-XX:+UseZGC", "-XX:+UseSerialGC"])
def test_a_collector_the_user_chose_is_kept(variable: str, choice: str) -> None:
    assert collector_option({variable: f"-Xss4m {choice}"}) == ""


@pytest.mark.parametrize("cores", [1, 2, 8])
def test_a_session_of_some_cores_has_as_many_partitions(cores: int) -> None:
    assert partition_settings(cores) == {
        SHUFFLE_PARTITIONS: str(cores),
        "spark.default.parallelism": str(cores),
    }


def test_a_session_on_every_core_leaves_the_partitions_to_the_jvm() -> None:
    assert partition_settings(None) == {}
