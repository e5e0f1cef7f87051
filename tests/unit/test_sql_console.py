"""What `medallion sql` prints for values that are not scalars: structs, arrays and maps as JSON,
as Databricks shows them, with their field names (not Python's `Row(...)`)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from pyspark.sql import Row

from medallion_orchestrator.sql_console import Output, print_result

ADDRESS = Row(city="Oslo", zip=None)
ROW = Row(id=1, address=ADDRESS, visits=[Row(at="2026-12-01", ok=True)], tags={"a": [1, 2]})


class Result:
    """A statement's result as print_result reads it (a DataFrame's columns and rows)."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.columns = list(rows[0].asDict())

    def toLocalIterator(self) -> Iterator[Row]:
        return iter(self.rows)

    def limit(self, count: int) -> Result:
        return Result(self.rows[:count])

    def collect(self) -> list[Row]:
        return self.rows

    def count(self) -> int:
        return len(self.rows)


def printed(format: str) -> str:
    out = io.StringIO()
    print_result(Result([ROW]), Output(format=format, out=out))  # type: ignore[arg-type]
    return out.getvalue()


def test_csv_prints_nested_values_as_json_with_their_names() -> None:
    assert printed("csv").splitlines()[1] == (
        '1,"{""city"": ""Oslo"", ""zip"": null}",'
        '"[{""at"": ""2026-12-01"", ""ok"": true}]","{""a"": [1, 2]}"'
    )


@pytest.mark.parametrize("format", ["table", "csv"])
def test_no_python_repr_reaches_the_output(format: str) -> None:
    text = printed(format)

    assert "Row(" not in text
    assert "city" in text and "Oslo" in text


def test_json_keeps_nested_values_as_json() -> None:
    assert '"address": {"city": "Oslo", "zip": null}' in printed("json")
