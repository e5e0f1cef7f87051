"""The loader tests' comparison (loader_support.assert_rows) fails on every difference a whole
table comparison must see, and only on those."""

from __future__ import annotations

from typing import Any

import pytest
from chispa import DataFramesNotEqualError
from pyspark.sql import Row
from pyspark.sql.types import StructType

from integration.loader_support import IS_CURRENT, Snapshot, assert_rows

pytestmark = pytest.mark.spark

SCHEMA = "id INT, name STRING, seq STRUCT<ts: INT, lsn: INT>"
ROWS = [(1, "a", (10, 1)), (2, None, (10, 2))]


def table(schema: str, rows: list[tuple[Any, ...]]) -> Snapshot:
    """A table as collect() returns it: Rows, structs as Rows."""
    kind = StructType.fromDDL(schema)
    shaped = Row(*kind.names)

    def read(value: Any) -> Any:
        return Row(ts=value[0], lsn=value[1]) if isinstance(value, tuple) else value

    return Snapshot(kind, [shaped(*[read(value) for value in row]) for row in rows])


def test_the_same_rows_in_another_order_and_column_order_are_equal(spark) -> None:  # type: ignore[no-untyped-def]
    reordered = table("seq STRUCT<ts: INT, lsn: INT>, name STRING, id INT", [((10, 2), None, 2)])
    assert_rows(reordered, [(2, None, (10, 2))], SCHEMA)
    assert_rows(table(SCHEMA, ROWS[::-1]), ROWS, SCHEMA)


@pytest.mark.parametrize(
    "rows",
    [
        [ROWS[0]],  # a row missing
        [*ROWS, ROWS[0]],  # a row twice
        [ROWS[0], (2, "b", (10, 2))],  # NULL against a value
        [ROWS[0], (2, None, (10, 3))],  # inside a struct
    ],
    ids=["missing", "twice", "null", "struct"],
)
def test_a_different_row_fails(spark, rows: list[tuple[Any, ...]]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataFramesNotEqualError):
        assert_rows(table(SCHEMA, ROWS), rows, SCHEMA)


@pytest.mark.parametrize(
    "schema",
    [
        "id BIGINT, name STRING, seq STRUCT<ts: INT, lsn: INT>",
        "id INT, name STRING",
        "id INT, name STRING, seq STRUCT<ts: INT, lsn: INT>, extra INT",
    ],
    ids=["type", "column_missing", "column_more"],
)
def test_different_columns_fail(spark, schema: str) -> None:  # type: ignore[no-untyped-def]
    expected = [row[: len(StructType.fromDDL(schema).names)] for row in ROWS]
    with pytest.raises(AssertionError, match="columns differ"):
        assert_rows(table(SCHEMA, ROWS), expected, schema)


def test_a_derived_column_is_compared_too(spark) -> None:  # type: ignore[no-untyped-def]
    schema = "id INT, effective_to INT"
    read = table(f"{schema}, is_current BOOLEAN", [(1, None, True), (2, 5, True)])
    with pytest.raises(DataFramesNotEqualError):
        assert_rows(read, [(1, None), (2, 5)], schema, IS_CURRENT)
    fixed = table(f"{schema}, is_current BOOLEAN", [(1, None, True), (2, 5, False)])
    assert_rows(fixed, [(1, None), (2, 5)], schema, IS_CURRENT)


def test_an_expected_row_of_the_wrong_width_fails(spark) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        assert_rows(table(SCHEMA, ROWS), [(1, "a")], SCHEMA)
