"""Schemas and contents of whole tables: what changed between two schemas, whether a target's
columns hold a source's values, and a fingerprint that tells whether two tables hold the same
rows without joining them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import col
from medallion_orchestrator.loaders.comparable import comparable
from medallion_orchestrator.loaders.sql_text import path

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import DataType, StructType

    from medallion_orchestrator.loaders.spec import LoadSpec

INTEGRAL_DIGITS = {"tinyint": 3, "smallint": 5, "int": 10, "bigint": 20}


def schema_changes(current: StructType, incoming: StructType) -> list[str]:
    """`+name type`, `-name`, `name old->new`; nullability is not a change."""
    old = {field.name: field.dataType.simpleString() for field in current.fields}
    new = {field.name: field.dataType.simpleString() for field in incoming.fields}
    changes = [f"+{name} {kind}" for name, kind in new.items() if name not in old]
    changes += [f"-{name}" for name in old if name not in new]
    changes += [
        f"{name} {old[name]}->{new[name]}" for name in new if name in old and old[name] != new[name]
    ]
    return changes


def fingerprint(frame: DataFrame) -> tuple[int, int, int]:
    """(rows, sum of a 64-bit row hash, sum of a second 32-bit hash): equal multisets of rows
    give equal fingerprints; different ones collide with negligible probability. NULL flags
    are hashed too, so (1, NULL) and (NULL, 1) differ; maps by their entries (comparable)."""
    from pyspark.sql import functions as F

    kinds = [(item.name, item.dataType) for item in frame.schema.fields]
    parts = [part for c, kind in kinds for part in (comparable(col(c), kind), col(c).isNull())]
    if not parts:
        return (frame.count(), 0, 0)
    row = frame.agg(
        F.count(F.lit(1)),
        F.coalesce(F.sum(F.xxhash64(*parts).cast("decimal(38,0)")), F.lit(0)),
        F.coalesce(F.sum(F.hash(*parts).cast("decimal(38,0)")), F.lit(0)),
    ).first()
    assert row is not None
    return (int(row[0]), int(row[1]), int(row[2]))


def holds(column: DataType, value: DataType) -> bool:
    """Whether a column of type `column` stores every value of type `value` unchanged: the same
    type, or one that Delta's type widening widens `value` to; inside structs, arrays and maps,
    the fields both have (a field only the value has is added by Delta's schema evolution)."""
    return not unheld(column, value)


def unheld(
    column: DataType, value: DataType, name: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], DataType, DataType]]:
    """(path, stored type, incoming type) of each place under `name` where the column cannot
    store the value: a field, array `element` or map `key`/`value` whose type it does not hold."""
    from pyspark.sql.types import ArrayType, MapType, StructType

    if isinstance(column, StructType) and isinstance(value, StructType):
        stored = {item.name.lower(): item for item in column.fields}
        return [
            change
            for item in value.fields
            if (match := stored.get(item.name.lower())) is not None
            for change in unheld(match.dataType, item.dataType, (*name, match.name))
        ]
    if isinstance(column, ArrayType) and isinstance(value, ArrayType):
        return unheld(column.elementType, value.elementType, (*name, "element"))
    if isinstance(column, MapType) and isinstance(value, MapType):
        return [
            *unheld(column.keyType, value.keyType, (*name, "key")),
            *unheld(column.valueType, value.valueType, (*name, "value")),
        ]
    return [] if _holds_value(column, value) else [(name, column, value)]


def _holds_value(column: DataType, value: DataType) -> bool:
    from pyspark.sql.types import (
        DateType,
        DecimalType,
        DoubleType,
        FloatType,
        NullType,
        TimestampNTZType,
    )

    if column == value or isinstance(value, NullType):
        return True
    digits = INTEGRAL_DIGITS.get(value.simpleString())
    if digits is not None:
        if isinstance(column, DecimalType):
            return column.precision - column.scale >= digits
        if isinstance(column, DoubleType):
            return digits <= INTEGRAL_DIGITS["int"]
        return INTEGRAL_DIGITS.get(column.simpleString(), 0) >= digits
    if isinstance(value, DecimalType) and isinstance(column, DecimalType):
        return (
            column.scale >= value.scale
            and column.precision - column.scale >= value.precision - value.scale
        )
    return (isinstance(value, FloatType) and isinstance(column, DoubleType)) or (
        isinstance(value, DateType) and isinstance(column, TimestampNTZType)
    )


def widens_itself(stored: DataType, incoming: DataType) -> bool:
    """Whether a MERGE or write with schema evolution widens a column of type `stored` to
    `incoming` itself, on a table with type widening on: every widening but integers to decimals
    or doubles, which Delta leaves to an ALTER, "to avoid accidental promotion"."""
    from pyspark.sql.types import DecimalType, DoubleType

    integral = stored.simpleString() in INTEGRAL_DIGITS
    return holds(incoming, stored) and not (
        integral and isinstance(incoming, (DecimalType, DoubleType))
    )


def check_target_holds(
    spec: LoadSpec,
    source: StructType,
    target: StructType,
    widening: Callable[[], bool] = lambda: False,
) -> None:
    """LoadError when a column of both has values in `source` that the target's type cannot
    store unchanged (2.7 in an INT column would be stored as 2): a bronze type change that Delta
    would cast silently, and AUTO CDC refuses. It names each change and how to apply it. With
    type `widening` on the target, the changes Delta's schema evolution makes itself pass."""
    stored = {field.name: field.dataType for field in target.fields}
    changed = [
        change
        for field in source.fields
        if field.name in stored
        for change in unheld(stored[field.name], field.dataType, (field.name,))
    ]
    if changed and widening():
        changed = [(name, old, new) for name, old, new in changed if not widens_itself(old, new)]
    if not changed:
        return
    listed = ", ".join(
        f"{'.'.join(name)} {old.simpleString()}->{new.simpleString()}" for name, old, new in changed
    )
    message = (
        f"{spec.destination}: source {spec.source} changed the type of column(s) the target "
        f"cannot hold: {listed}; the target was left as it was."
    )
    widened = [(name, new) for name, old, new in changed if holds(new, old)]
    if widened:
        alters = ", ".join(
            f"ALTER TABLE {spec.destination} ALTER COLUMN {path(*name)} TYPE {new.simpleString()}"
            for name, new in widened
        )
        message += (
            f" Widen the target's column first: ALTER TABLE {spec.destination} SET TBLPROPERTIES "
            f"('delta.enableTypeWidening' = 'true'), then {alters}."
        )
    if fixed := [".".join(name) for name, old, new in changed if not holds(new, old)]:
        message += (
            f" Delta cannot change {', '.join(fixed)} in place: cast it back in the source, or "
            f"rebuild it: --full-refresh {spec.destination}."
        )
    raise LoadError(message)
