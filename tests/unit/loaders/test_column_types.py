"""Which source types a target column stores unchanged, and the one line naming the changes."""

from __future__ import annotations

import pytest
from pyspark.sql.types import (
    ArrayType,
    ByteType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    MapType,
    NullType,
    ShortType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
    TimestampType,
)

from fakes import task_row
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.schema import check_target_holds, holds, widens_itself
from medallion_orchestrator.loaders.spec import LoadSpec


def struct(**types: DataType) -> StructType:
    return StructType([StructField(name, kind) for name, kind in types.items()])


# (column type, value type): the column stores every value unchanged (Delta's type widening)
HELD = [
    (IntegerType(), IntegerType()),
    (LongType(), IntegerType()),
    (IntegerType(), ShortType()),
    (ShortType(), ByteType()),
    (DecimalType(10, 0), IntegerType()),
    (DecimalType(22, 2), LongType()),
    (DoubleType(), IntegerType()),
    (DoubleType(), FloatType()),
    (DecimalType(12, 3), DecimalType(10, 1)),
    (DecimalType(11, 2), DecimalType(10, 1)),
    (TimestampNTZType(), DateType()),
    (IntegerType(), NullType()),
    (StringType(), NullType()),
    (ArrayType(LongType()), ArrayType(IntegerType())),
    (MapType(StringType(), LongType()), MapType(StringType(), ShortType())),
    (struct(city=StringType()), struct(city=StringType(), zip=StringType())),  # zip is added
    (struct(city=StringType(), zip=StringType()), struct(CITY=StringType())),  # zip stays
    (ArrayType(struct(n=LongType())), ArrayType(struct(n=IntegerType(), m=DateType()))),
]
NOT_HELD = [
    (IntegerType(), LongType()),
    (IntegerType(), DoubleType()),
    (LongType(), DoubleType()),
    (DoubleType(), LongType()),
    (FloatType(), DoubleType()),
    (DecimalType(9, 0), IntegerType()),
    (DecimalType(11, 3), DecimalType(10, 1)),  # one integer digit fewer
    (DecimalType(10, 0), DecimalType(10, 1)),  # the fraction would be rounded
    (StringType(), IntegerType()),
    (IntegerType(), StringType()),
    (TimestampType(), DateType()),
    (DateType(), TimestampNTZType()),
    (ArrayType(IntegerType()), ArrayType(LongType())),
    (MapType(IntegerType(), StringType()), MapType(LongType(), StringType())),
    (struct(n=IntegerType()), struct(n=DoubleType())),
    (struct(city=StringType()), StringType()),
    (StringType(), struct(city=StringType())),
    (ArrayType(StringType()), struct(city=StringType())),
]


@pytest.mark.parametrize(("column", "value"), HELD)
def test_a_column_holds_its_own_and_narrower_types(column, value) -> None:  # type: ignore[no-untyped-def]
    assert holds(column, value)


@pytest.mark.parametrize(("column", "value"), NOT_HELD)
def test_a_column_does_not_hold_wider_or_other_types(column, value) -> None:  # type: ignore[no-untyped-def]
    assert not holds(column, value)


def spec() -> LoadSpec:
    return LoadSpec.of(task_row())


def schema(**types: object) -> StructType:
    return StructType([StructField(name, kind) for name, kind in types.items()])  # type: ignore[arg-type]


def test_a_source_of_held_types_passes() -> None:
    target = schema(id=LongType(), score=DoubleType(), gone=StringType())
    check_target_holds(
        spec(), schema(id=IntegerType(), score=FloatType(), new=StringType()), target
    )


def test_each_change_is_named_with_how_to_apply_it_in_one_line() -> None:
    target = schema(id=IntegerType(), name=StringType(), score=IntegerType())
    source = schema(id=IntegerType(), name=IntegerType(), score=DoubleType())

    with pytest.raises(LoadError) as raised:
        check_target_holds(spec(), source, target)

    assert str(raised.value) == (
        "dev_silver.shop.customers: source dev_bronze.shop.customers changed the type of "
        "column(s) the target cannot hold: name string->int, score int->double; the target was "
        "left as it was. Widen the target's column first: ALTER TABLE dev_silver.shop.customers"
        " SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true'), then ALTER TABLE "
        "dev_silver.shop.customers ALTER COLUMN `score` TYPE double. Delta cannot change name "
        "in place: cast it back in the source, or rebuild it: --full-refresh "
        "dev_silver.shop.customers."
    )


def test_a_field_inside_a_struct_is_named_by_its_path_with_how_to_widen_it() -> None:
    inner = ArrayType(struct(n=IntegerType(), tag=StringType()))
    target = schema(id=IntegerType(), address=struct(geo=struct(lat=FloatType())), items=inner)
    source = schema(
        id=IntegerType(),
        address=struct(geo=struct(lat=DoubleType()), zip=StringType()),
        items=ArrayType(struct(n=LongType(), tag=IntegerType())),
    )

    with pytest.raises(LoadError) as raised:
        check_target_holds(spec(), source, target)

    message = str(raised.value)
    assert (
        "cannot hold: address.geo.lat float->double, items.element.n int->bigint, "
        "items.element.tag string->int; the target was left as it was." in message
    )
    assert (
        "ALTER COLUMN `address`.`geo`.`lat` TYPE double, ALTER TABLE dev_silver.shop.customers "
        "ALTER COLUMN `items`.`element`.`n` TYPE bigint." in message
    )
    assert "Delta cannot change items.element.tag in place" in message


def test_a_target_with_type_widening_on_takes_what_delta_widens_by_itself() -> None:
    target = schema(id=IntegerType(), score=FloatType(), day=DateType(), geo=struct(n=ShortType()))
    source = schema(
        id=LongType(), score=DoubleType(), day=TimestampNTZType(), geo=struct(n=IntegerType())
    )

    check_target_holds(spec(), source, target, widening=lambda: True)
    with pytest.raises(LoadError, match="id int->bigint, score float->double"):
        check_target_holds(spec(), source, target)


def test_type_widening_on_leaves_integers_to_decimals_and_doubles_to_an_alter() -> None:
    target = schema(id=IntegerType(), score=IntegerType(), amount=LongType())
    source = schema(id=IntegerType(), score=DoubleType(), amount=DecimalType(20, 0))

    with pytest.raises(LoadError) as raised:
        check_target_holds(spec(), source, target, widening=lambda: True)

    assert "cannot hold: score int->double, amount bigint->decimal(20,0);" in str(raised.value)
    assert not widens_itself(IntegerType(), DoubleType())
    assert widens_itself(DecimalType(10, 2), DecimalType(12, 2))


def test_the_table_is_asked_about_type_widening_only_when_a_type_changed() -> None:
    def asked() -> bool:
        raise AssertionError("no type changed: the table's properties are not read")

    check_target_holds(spec(), schema(id=IntegerType()), schema(id=LongType()), widening=asked)
