"""A field added inside a bronze struct column is added to silver's column, as Delta's MERGE
WITH SCHEMA EVOLUTION adds it: the rows that carry it are updated, the others keep theirs with
the field NULL, and a rerun commits nothing. A field bronze stops sending stays in silver: an
SCD1 or incremental-merge row keeps its value, as a dropped column keeps its; an SCD2 version
opened after has it NULL, as it has a dropped column. A field whose type the target cannot hold
fails naming the field. Every way a load commits: MERGE, rewrite and SCD2's rebuild."""

from __future__ import annotations

import re
from typing import Any

import pytest

from integration.loader_support import (
    UPSERT_PATHS,
    bronze,
    committing,
    fresh_schema,
    load,
    row_for,
    version,
)
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.runtime.lakehouse import Lakehouse, lakehouse_for

pytestmark = pytest.mark.spark

CONFIG = {
    "scd1": {"sequence_column": "seq"},
    "scd2": {"sequence_column": "seq"},
    "fact_incremental_merge": {"sequence_column": "seq", "watermark_column": "seq"},
}
CITY = "id INT, address STRUCT<city: STRING>, seq INT"
CITY_ZIP = "id INT, address STRUCT<city: STRING, zip: STRING>, seq INT"
ALTER = re.compile(r"ALTER TABLE \S+ (?:SET TBLPROPERTIES \(.*?\)|ALTER COLUMN [`\w.]+ TYPE \w+)")
DAY_1 = [(1, ("Oslo",), 1), (2, ("Bergen",), 1), (3, None, 1)]
DAY_2 = [(1, ("Oslo", "0150"), 2), (2, ("Bergen", None), 1), (3, None, 1)]


def first_load(lakehouse: Lakehouse, pipeline: str, rows: list[Any], schema: str) -> Any:
    name = fresh_schema("nested")
    source, target = f"dev_bronze.{name}.source", f"dev_silver.{name}.{pipeline}"
    bronze(lakehouse, source, rows, schema)
    row = row_for(source, target, pipeline, ["id"], CONFIG[pipeline], primary_key_columns=["id"])
    load(lakehouse, row)
    return row


def rows(lakehouse: Lakehouse, target: str) -> list[tuple[Any, ...]]:
    """(id, address as a dict, seq, is_current when SCD2) of every row, sorted."""
    found = lakehouse.sql(f"SELECT * FROM {target}").collect()
    return by_key_and_seq(
        (
            row["id"],
            row["address"].asDict() if row["address"] is not None else None,
            row["seq"],
            *([row["is_current"]] if "is_current" in row.asDict() else []),
        )
        for row in found
    )


def by_key_and_seq(rows: Any) -> list[tuple[Any, ...]]:
    return sorted(rows, key=lambda row: (row[0], row[2]))


@pytest.mark.parametrize(("pipeline", "how"), UPSERT_PATHS)
def test_a_field_added_inside_a_struct_is_added_to_silver(spark, pipeline: str, how: str) -> None:  # type: ignore[no-untyped-def]
    lakehouse = lakehouse_for(spark)
    row = first_load(lakehouse, pipeline, DAY_1, CITY)
    bronze(lakehouse, row.source, DAY_2, CITY_ZIP)

    with committing(how):
        result = load(lakehouse, row)
        before = version(lakehouse, row.destination)
        rerun = load(lakehouse, row)

    assert result.rows_written == (2 if pipeline == "scd2" else 1)  # SCD2 closes and opens
    now = [
        (1, {"city": "Oslo", "zip": "0150"}, 2),
        (2, {"city": "Bergen", "zip": None}, 1),
        (3, None, 1),
    ]
    if pipeline == "scd2":
        closed = (1, {"city": "Oslo", "zip": None}, 1, False)
        now = by_key_and_seq([closed, *[(*values, True) for values in now]])
    assert rows(lakehouse, row.destination) == now
    kinds = dict(lakehouse.sql(f"SELECT * FROM {row.destination}").dtypes)
    assert kinds["address"] == "struct<city:string,zip:string>"
    assert rerun.rows_written == 0
    assert version(lakehouse, row.destination) == before


@pytest.mark.parametrize(("pipeline", "how"), UPSERT_PATHS)
def test_a_field_bronze_stops_sending_stays_in_silver(spark, pipeline: str, how: str) -> None:  # type: ignore[no-untyped-def]
    lakehouse = lakehouse_for(spark)
    row = first_load(lakehouse, pipeline, DAY_2, CITY_ZIP)
    bronze(lakehouse, row.source, [(1, ("Trondheim",), 3), (2, ("Bergen",), 1)], CITY)

    with committing(how):
        load(lakehouse, row)
        before = version(lakehouse, row.destination)
        rerun = load(lakehouse, row)

    kinds = dict(lakehouse.sql(f"SELECT * FROM {row.destination}").dtypes)
    assert kinds["address"] == "struct<city:string,zip:string>"
    moved = {"city": "Trondheim", "zip": None if pipeline == "scd2" else "0150"}
    stayed = (2, {"city": "Bergen", "zip": None}, 1)
    if pipeline == "scd2":
        expected = [
            (1, {"city": "Oslo", "zip": "0150"}, 2, False),
            (1, moved, 3, True),
            (*stayed, True),
            (3, None, 1, True),
        ]
    else:
        expected = [(1, moved, 3), stayed, (3, None, 1)]
    assert rows(lakehouse, row.destination) == expected
    assert rerun.rows_written == 0
    assert version(lakehouse, row.destination) == before


@pytest.mark.parametrize("pipeline", list(CONFIG))
def test_a_field_whose_type_silver_cannot_hold_fails_naming_it(spark, pipeline: str) -> None:  # type: ignore[no-untyped-def]
    lakehouse = lakehouse_for(spark)
    row = first_load(lakehouse, pipeline, [(1, (1,), 1)], "id INT, address STRUCT<n: INT>, seq INT")
    before = version(lakehouse, row.destination)
    bronze(lakehouse, row.source, [(1, (1.5,), 2)], "id INT, address STRUCT<n: DOUBLE>, seq INT")

    with pytest.raises(LoadError) as refused:
        load(lakehouse, row)

    message = str(refused.value)
    assert "cannot hold: address.n int->double; the target was left as it was" in message
    assert version(lakehouse, row.destination) == before
    alters = ALTER.findall(message)
    assert alters[-1].endswith("ALTER COLUMN `address`.`n` TYPE double")
    for statement in alters:
        lakehouse.sql(statement)
    load(lakehouse, row)
    stored = lakehouse.sql(f"SELECT address.n FROM {row.destination} WHERE seq = 2").collect()
    assert stored == [(1.5,)]


@pytest.mark.parametrize(("pipeline", "how"), UPSERT_PATHS)
def test_a_field_added_inside_an_array_of_structs_is_added(spark, pipeline: str, how: str) -> None:  # type: ignore[no-untyped-def]
    lakehouse = lakehouse_for(spark)
    items = "id INT, items ARRAY<STRUCT<sku: STRING>>, seq INT"
    row = first_load(lakehouse, pipeline, [(1, [("a",)], 1), (2, [("b",)], 1)], items)
    bronze(
        lakehouse,
        row.source,
        [(1, [("a", 2), ("c", None)], 2), (2, [("b", None)], 1)],
        "id INT, items ARRAY<STRUCT<sku: STRING, qty: INT>>, seq INT",
    )

    with committing(how):
        load(lakehouse, row)
        assert load(lakehouse, row).rows_written == 0

    found = lakehouse.sql(f"SELECT id, items FROM {row.destination} WHERE seq = 2").collect()
    assert [item.asDict() for item in found[0]["items"]] == [
        {"sku": "a", "qty": 2},
        {"sku": "c", "qty": None},
    ]
    kinds = dict(lakehouse.sql(f"SELECT * FROM {row.destination}").dtypes)
    assert kinds["items"] == "array<struct<sku:string,qty:int>>"


@pytest.mark.parametrize(("pipeline", "how"), UPSERT_PATHS)
def test_a_field_widens_itself_on_a_target_with_type_widening_on(
    spark, pipeline: str, how: str
) -> None:  # type: ignore[no-untyped-def]
    lakehouse = lakehouse_for(spark)
    row = first_load(lakehouse, pipeline, [(1, (1,), 1)], "id INT, address STRUCT<n: INT>, seq INT")
    table = row.destination
    lakehouse.sql(f"ALTER TABLE {table} SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true')")
    wider = "id INT, address STRUCT<n: BIGINT, zip: STRING>, seq INT"
    bronze(lakehouse, row.source, [(1, (5_000_000_000, "0150"), 2)], wider)

    with committing(how):
        load(lakehouse, row)
        assert load(lakehouse, row).rows_written == 0

    stored = lakehouse.sql(f"SELECT address FROM {table} WHERE seq = 2").collect()
    assert [found["address"].asDict() for found in stored] == [{"n": 5_000_000_000, "zip": "0150"}]
    kinds = dict(lakehouse.sql(f"SELECT * FROM {table}").dtypes)
    assert kinds["address"] == "struct<n:bigint,zip:string>"
