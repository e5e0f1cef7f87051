"""A wide table (700 columns, as dlt-meta's users load) through every loader that compares
columns: the comparisons stay within Spark's stack, and the result is the whole table expected."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from integration.loader_support import (
    IS_CURRENT,
    assert_table,
    bronze,
    committing,
    load,
    row_for,
)
from medallion_orchestrator.loaders import commit

pytestmark = [pytest.mark.spark, pytest.mark.codegen]

COLUMNS = 700
PAYLOAD = [f"c{number:03d}" for number in range(1, COLUMNS - 3 + 1)]  # besides id, seq, deleted
BRONZE = ", ".join(["id INT", *[f"{name} INT" for name in PAYLOAD], "seq INT", "deleted BOOLEAN"])
CONFIG = {
    "sequence_column": "seq",
    "delete_condition": "deleted = true",
    "exclude_columns": ["deleted"],
}


def event(id_: int, value: int, seq: int, deleted: bool = False) -> tuple[Any, ...]:
    """Every payload column `value`, but the last one: `value` + 1."""
    return (id_, *[value] * (len(PAYLOAD) - 1), value + 1, seq, deleted)


DAY_1 = [event(1, 10, 1), event(2, 20, 1), event(3, 30, 1)]
DAY_2 = [event(1, 11, 2), event(2, 20, 2), event(3, 30, 2, deleted=True), event(4, 40, 2)]


# SCD2's daily path (one new event a key) and its rebuild of whole chains, which ran out of
# the JVM's heap at 25 columns before constraint propagation was turned off for loads
@pytest.mark.parametrize(
    ("pipeline", "how"), [("scd1", "merge"), ("scd2", "merge"), ("scd2", "rebuild")]
)
def test_a_700_column_table_loads_and_changes_as_a_narrow_one(
    lakehouse, unique: str, pipeline: str, how: str
) -> None:
    source, target = f"dev_bronze.{unique}.wide", f"dev_silver.{unique}.wide"
    row = row_for(source, target, pipeline, ["id"], CONFIG)

    with committing(how), round_trips_of_each_merge() as merges:
        for day in (DAY_1, DAY_2):
            bronze(lakehouse, source, day, BRONZE)
            load(lakehouse, row)

    # the MERGE's 1,400 assignments go to the JVM in one message, not two apiece
    assert all(trips < 50 for trips in merges), merges

    silver = ", ".join(["id INT", *[f"{name} INT" for name in PAYLOAD], "seq INT"])
    if pipeline == "scd1":
        expected = [event(1, 11, 2)[:-1], event(2, 20, 1)[:-1], event(4, 40, 2)[:-1]]
        assert_table(lakehouse, target, expected, silver)
        return
    expected = [
        (*event(1, 10, 1)[:-1], 1, 2),
        (*event(1, 11, 2)[:-1], 2, None),
        (*event(2, 20, 2)[:-1], 1, None),  # no tracked change: updated in place
        (*event(3, 30, 1)[:-1], 1, 2),
        (*event(4, 40, 2)[:-1], 2, None),
    ]
    assert_table(
        lakehouse,
        target,
        expected,
        f"{silver}, effective_from INT, effective_to INT",
        derive=IS_CURRENT,
    )


@contextmanager
def round_trips_of_each_merge() -> Iterator[list[int]]:
    """The py4j calls each MERGE (loaders/commit.py) makes into the JVM (not the messages
    that free Python's references as its garbage collector runs)."""
    from py4j.java_gateway import GatewayClient
    from py4j.protocol import CALL_COMMAND_NAME

    merges: list[int] = []
    sent = GatewayClient.send_command
    merge = commit._merge

    def counted(self: Any, command: str, *args: Any, **kwargs: Any) -> Any:
        merges[-1] += command.startswith(CALL_COMMAND_NAME)
        return sent(self, command, *args, **kwargs)

    def counting(*args: Any) -> None:
        merges.append(0)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(GatewayClient, "send_command", counted)
            merge(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(commit, "_merge", counting)
        yield merges


def test_this_module_loads_with_code_generation_on(spark) -> None:  # type: ignore[no-untyped-def]
    assert spark.conf.get("spark.sql.codegen.wholeStage") == "true"
    assert spark.conf.get("spark.sql.codegen.factoryMode") == "FALLBACK"
