"""Which source types a target column stores unchanged, and the one line naming the changes."""

from __future__ import annotations

import pytest
from pyspark.sql.types import (
    ArrayType,
    ByteType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
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
from medallion_orchestrator.loaders.schema import check_target_holds, holds
from medallion_orchestrator.loaders.spec import LoadSpec

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
    (ArrayType(IntegerType()), ArrayType(LongType())),  # nested types: Delta's evolution decides
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
