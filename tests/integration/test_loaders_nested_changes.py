"""A field added inside a bronze struct column (or an array's structs) is added to silver's
column, as Delta's MERGE WITH SCHEMA EVOLUTION adds it: the rows that carry it are updated, the
others keep theirs with the field NULL, and a rerun commits nothing. A field bronze stops
sending stays in silver: an SCD1 or incremental-merge row keeps its value, as a dropped column
keeps its; an SCD2 version opened after has it NULL, as it has a dropped column. A field whose
type the target cannot hold fails naming the field. Every way a load commits: MERGE, rewrite
and SCD2's rebuild."""

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
from medallion_orchestrator.loaders.dispatch import load_dimension, load_fact
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
NARROW = (
    "id INT, address STRUCT<city: STRING>, items ARRAY<STRUCT<sku: STRING>>, "
    "geo STRUCT<n: INT>, seq INT"
)
WIDE = (
    "id INT, address STRUCT<city: STRING, zip: STRING>, "
    "items ARRAY<STRUCT<sku: STRING, qty: INT>>, geo STRUCT<n: BIGINT>, seq INT"
)
DAY_1 = [
    (1, ("Oslo",), [("a",)], (1,), 1),
    (2, ("Bergen",), [("b",)], (2,), 1),
    (3, None, [], None, 1),
]
DAY_2 = [
    (1, ("Oslo", "0150"), [("a", 2), ("c", None)], (5_000_000_000,), 2),
    (2, ("Bergen", None), [("b", None)], (2,), 1),
    (3, None, [], None, 1),
]


def first_load(lakehouse: Lakehouse, pipeline: str, rows: list[Any], schema: str) -> Any:
    name = fresh_schema("nested")
    source, target = f"dev_bronze.{name}.source", f"dev_silver.{name}.{pipeline}"
    bronze(lakehouse, source, rows, schema)
    row = row_for(source, target, pipeline, ["id"], CONFIG[pipeline], primary_key_columns=["id"])
    load(lakehouse, row)
    return row


def plain(value: Any) -> Any:
    """Rows as dicts, inside lists too."""
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value.asDict() if hasattr(value, "asDict") else value


def rows(lakehouse: Lakehouse, target: str, *columns: str) -> list[tuple[Any, ...]]:
    """(id, each of `columns` as plain values, seq, is_current when SCD2) of every row, by id
    and seq."""
    found = lakehouse.sql(f"SELECT * FROM {target}").collect()
    return by_key_and_seq(
        (
            row["id"],
            *[plain(row[column]) for column in columns],
            row["seq"],
            *([row["is_current"]] if "is_current" in row.asDict() else []),
        )
        for row in found
    )


def by_key_and_seq(rows: Any) -> list[tuple[Any, ...]]:
    return sorted(rows, key=lambda row: (row[0], row[-2] if isinstance(row[-1], bool) else row[-1]))


@pytest.mark.parametrize(("pipeline", "how"), UPSERT_PATHS)
def test_fields_added_inside_structs_are_added_to_silver(spark, pipeline: str, how: str) -> None:  # type: ignore[no-untyped-def]
    """In a struct, in an array's structs, and a field widened where the table has type
    widening on (as Delta's schema evolution widens it)."""
    lakehouse = lakehouse_for(spark)
    row = first_load(lakehouse, pipeline, DAY_1, NARROW)
    table = row.destination
    lakehouse.sql(f"ALTER TABLE {table} SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true')")
    bronze(lakehouse, row.source, DAY_2, WIDE)

    with committing(how):
        result = load(lakehouse, row)
        before = version(lakehouse, table)
        rerun = load(lakehouse, row)

    assert result.rows_written == (2 if pipeline == "scd2" else 1)  # SCD2 closes and opens
    now = [
        (
            1,
            {"city": "Oslo", "zip": "0150"},
            [{"sku": "a", "qty": 2}, {"sku": "c", "qty": None}],
            {"n": 5_000_000_000},
            2,
        ),
        (2, {"city": "Bergen", "zip": None}, [{"sku": "b", "qty": None}], {"n": 2}, 1),
        (3, None, [], None, 1),
    ]
    if pipeline == "scd2":
        closed = (1, {"city": "Oslo", "zip": None}, [{"sku": "a", "qty": None}], {"n": 1}, 1, False)
        now = by_key_and_seq([closed, *[(*values, True) for values in now]])
    assert rows(lakehouse, table, "address", "items", "geo") == now
    kinds = dict(lakehouse.sql(f"SELECT * FROM {table}").dtypes)
    assert (kinds["address"], kinds["items"], kinds["geo"]) == (
        "struct<city:string,zip:string>",
        "array<struct<sku:string,qty:int>>",
        "struct<n:bigint>",
    )
    assert rerun.rows_written == 0
    assert version(lakehouse, table) == before


@pytest.mark.parametrize(("pipeline", "how"), UPSERT_PATHS)
def test_a_field_bronze_stops_sending_stays_in_silver(spark, pipeline: str, how: str) -> None:  # type: ignore[no-untyped-def]
    lakehouse = lakehouse_for(spark)
    day_2 = [(key, address, seq) for key, address, _items, _geo, seq in DAY_2]
    row = first_load(lakehouse, pipeline, day_2, CITY_ZIP)
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
    assert rows(lakehouse, row.destination, "address") == expected
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


TAGS = "id INT, tags MAP<STRING, STRING>, nested ARRAY<MAP<STRING, INT>>, seq INT"


@pytest.mark.parametrize(("pipeline", "how"), [*UPSERT_PATHS, ("scd1_snapshot", "merge")])
def test_a_map_column_is_compared_by_its_entries(spark, pipeline: str, how: str) -> None:  # type: ignore[no-untyped-def]
    """`<=>` cannot compare maps ([DATATYPE_MISMATCH.INVALID_ORDERING_TYPE] failed every load
    after the first): the same entries in another order are no change (nor two rows that clash
    at one sequence), another value is."""
    lakehouse = lakehouse_for(spark)
    day_1 = [
        (1, {"a": "1", "b": "2"}, [{"n": 1}], 1),
        (2, {"x": "1"}, [], 1),
        (3, None, None, 1),
    ]
    if pipeline != "scd1_snapshot":  # a key is one row of a snapshot
        day_1.append((1, {"b": "2", "a": "1"}, [{"n": 1}], 1))  # a duplicate row, not a clash
    if pipeline == "scd1_snapshot":
        name = fresh_schema("maps")
        source = f"dev_bronze.{name}.source"
        bronze(lakehouse, source, day_1, TAGS)
        row = row_for(source, f"dev_silver.{name}.snapshot", pipeline, ["id"], {})
        load_dimension(lakehouse, row)
    else:
        row = first_load(lakehouse, pipeline, day_1, TAGS)
    day_2 = [(1, {"b": "2", "a": "1"}, [{"n": 1}], 2), (2, {"x": "9"}, [], 2), (3, None, None, 1)]
    bronze(lakehouse, row.source, day_2, TAGS)

    loads = load_dimension if pipeline == "scd1_snapshot" else load
    with committing(how):
        loads(lakehouse, row)
        before = version(lakehouse, row.destination)
        assert loads(lakehouse, row).rows_written == 0

    found = lakehouse.sql(f"SELECT * FROM {row.destination}").collect()
    current = sorted(
        (item["id"], item["tags"], item["seq"])
        for item in found
        if item.asDict().get("is_current", True) and "__END_AT" not in item.asDict()
    )
    unchanged_seq = 2 if pipeline in ("scd2", "scd1_snapshot") else 1  # SCD2 folds it in
    assert current == [(1, {"a": "1", "b": "2"}, unchanged_seq), (2, {"x": "9"}, 2), (3, None, 1)]
    versions = 4 if pipeline == "scd2" else 3  # key 2's value changed: SCD2 keeps the old one
    assert len(found) == versions
    assert version(lakehouse, row.destination) == before


@pytest.mark.parametrize("pipeline", ["fact_overwrite", "fact_replace_where"])
def test_a_fact_with_a_map_column_is_rewritten_only_when_its_entries_change(
    spark,  # type: ignore[no-untyped-def]
    pipeline: str,
) -> None:
    """Spark hashes no map ([DATATYPE_MISMATCH.HASH_MAP_TYPE] failed every load after the
    first): the check that bronze holds the rows silver has compares maps by their entries."""
    lakehouse = lakehouse_for(spark)
    name = fresh_schema("maps")
    source, target = f"dev_bronze.{name}.source", f"dev_silver.{name}.fact"
    config = {"replace_where": "seq >= 1"} if pipeline == "fact_replace_where" else {}
    row = row_for(source, target, pipeline, [], config)
    bronze(lakehouse, source, [(1, {"a": "1", "b": "2"}, None, 1)], TAGS)
    load_fact(lakehouse, row)
    loaded = version(lakehouse, target)
    bronze(lakehouse, source, [(1, {"b": "2", "a": "1"}, None, 1)], TAGS)

    assert load_fact(lakehouse, row).rows_written == 0
    assert version(lakehouse, target) == loaded
    bronze(lakehouse, source, [(1, {"a": "1", "b": "3"}, None, 1)], TAGS)
    assert load_fact(lakehouse, row).rows_written == 1
    assert lakehouse.sql(f"SELECT tags FROM {target}").collect() == [({"a": "1", "b": "3"},)]


@pytest.mark.parametrize(
    ("pipeline", "how"), [("scd1", "merge"), ("scd2", "merge"), ("scd2", "rebuild")]
)
def test_a_variant_column_is_compared_by_its_json(spark, pipeline: str, how: str) -> None:  # type: ignore[no-untyped-def]
    """Spark compares no VARIANT (parse_json's type): the same object with its keys in another
    order is no change, another value is. (Locally, `parse_json` in a statement naming a table
    returned its string until lakehouse.rewrite_three_part kept the statement as written.)"""
    lakehouse = lakehouse_for(spark)
    name = fresh_schema("variants")
    raw, source = f"dev_bronze.{name}.raw", f"dev_bronze.{name}.source"
    target = f"dev_silver.{name}.{pipeline}"
    row = row_for(source, target, pipeline, ["id"], CONFIG[pipeline], primary_key_columns=["id"])
    days = (
        [(1, '{"a": 1, "b": [2]}', 1), (2, '{"x": 1}', 1)],
        [(1, '{"b": [2], "a": 1}', 2), (2, '{"x": 9}', 2)],
    )
    with committing(how):
        for rows in days:
            bronze(lakehouse, raw, rows, "id INT, doc STRING, seq INT")
            lakehouse.sql(
                f"CREATE OR REPLACE TABLE {source} AS "
                f"SELECT id, parse_json(doc) AS doc, seq FROM {raw}"
            )
            load(lakehouse, row)
        before = version(lakehouse, target)
        assert load(lakehouse, row).rows_written == 0

    print(
        "DBG",
        lakehouse.sql(f"SELECT * FROM {source}").dtypes,
        lakehouse.sql(f"SELECT * FROM {target}").dtypes,
    )
    assert dict(lakehouse.sql(f"SELECT * FROM {target}").dtypes)["doc"] == "variant"
    found = lakehouse.sql(f"SELECT id, to_json(doc) AS doc FROM {target}").collect()
    expected = [(1, '{"a":1,"b":[2]}'), (2, '{"x":9}')]
    if pipeline == "scd2":
        expected.insert(1, (2, '{"x":1}'))  # the version key 2's change closed
    assert sorted(found) == expected
    assert version(lakehouse, target) == before


@pytest.mark.parametrize("how", ["merge", "rewrite"])
def test_a_struct_whose_nulls_are_ignored_takes_its_new_field(spark, how: str) -> None:  # type: ignore[no-untyped-def]
    """With `ignore_null_updates`, a NULL struct keeps the stored one, brought to the new type."""
    lakehouse = lakehouse_for(spark)
    name = fresh_schema("nested")
    source, target = f"dev_bronze.{name}.source", f"dev_silver.{name}.scd1"
    bronze(lakehouse, source, [(1, ("Oslo",), 1)], CITY)
    config = {"sequence_column": "seq", "ignore_null_updates": True}
    row = row_for(source, target, "scd1", ["id"], config, primary_key_columns=["id"])
    load(lakehouse, row)
    bronze(lakehouse, source, [(1, None, 2), (2, ("Bergen", "5003"), 2)], CITY_ZIP)

    with committing(how):
        load(lakehouse, row)
        assert load(lakehouse, row).rows_written == 0

    found = {
        item["id"]: plain(item["address"])
        for item in lakehouse.sql(f"SELECT * FROM {target}").collect()
    }
    assert found == {1: {"city": "Oslo", "zip": None}, 2: {"city": "Bergen", "zip": "5003"}}
