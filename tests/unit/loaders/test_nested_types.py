"""The type a struct column evolves to when bronze adds or drops fields inside it."""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    DataType,
    IntegerType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
)

from medallion_orchestrator.loaders.comparable import incomparable
from medallion_orchestrator.loaders.nested import Shapes, evolved, merged, type_sql


def struct(**types: DataType) -> StructType:
    return StructType([StructField(name, kind) for name, kind in types.items()])


def test_fields_only_bronze_has_are_appended_and_stored_ones_stay() -> None:
    stored = struct(city=StringType(), street=StringType())
    incoming = struct(zip=StringType(), CITY=StringType())

    assert merged(stored, incoming) == struct(
        city=StringType(), street=StringType(), zip=StringType()
    )


def test_fields_are_added_at_every_depth_and_stored_types_kept() -> None:
    stored = ArrayType(struct(n=LongType(), geo=struct(lat=StringType())))
    incoming = ArrayType(struct(n=IntegerType(), geo=struct(lat=StringType(), lon=StringType())))

    assert merged(stored, incoming) == ArrayType(
        struct(n=LongType(), geo=struct(lat=StringType(), lon=StringType()))
    )
    values = MapType(StringType(), struct(a=IntegerType()))
    wider = MapType(StringType(), struct(a=IntegerType(), b=IntegerType()))
    assert merged(values, wider) == wider


def test_only_nested_columns_whose_types_differ_evolve() -> None:
    stored = struct(
        id=IntegerType(), address=struct(city=StringType()), tags=ArrayType(StringType())
    )
    incoming = struct(
        id=LongType(),
        address=struct(city=StringType(), zip=StringType()),
        tags=ArrayType(StringType()),
        new=struct(a=IntegerType()),
    )

    assert evolved(stored, incoming) == {
        "address": Shapes(
            struct(city=StringType(), zip=StringType()),
            struct(city=StringType()),
            struct(city=StringType(), zip=StringType()),
        )
    }


def test_a_type_as_sql_quotes_its_field_names() -> None:
    kind = ArrayType(struct(**{"zip code": StringType(), "n`1": MapType(StringType(), LongType())}))

    assert type_sql(kind) == "ARRAY<STRUCT<`zip code`: string, `n``1`: MAP<string, bigint>>>"


def test_a_map_is_found_at_any_depth() -> None:
    tags = MapType(StringType(), StringType())

    assert incomparable(tags)
    assert incomparable(ArrayType(struct(a=IntegerType(), tags=tags)))
    assert not incomparable(struct(a=ArrayType(struct(b=StringType()))))
    assert not incomparable(StringType())
