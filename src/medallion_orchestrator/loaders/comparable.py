"""Values that `<=>` and hashes can take: Spark compares and hashes no map and no variant, so
each map in a value, at any depth, is brought to its entries sorted by key, and each variant to
its JSON text (whose object keys a variant keeps sorted); two maps with the same entries are
then equal whatever order they were written in."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import Column
    from pyspark.sql.types import DataType


def same(left: Column, right: Column, kind: DataType | None) -> Column:
    """`left <=> right` for values of type `kind` (None: nothing incomparable in it); maps and
    variants, which `<=>` cannot compare, compared as `comparable` gives them."""
    if kind is None or not incomparable(kind):
        return left.eqNullSafe(right)
    return comparable(left, kind).eqNullSafe(comparable(right, kind))


def comparable(value: Column, kind: DataType) -> Column:
    """`value` with each map in it, at any depth, as its entries sorted by key (two maps with
    the same entries give the same array, whatever order they were written in), and each
    variant as its JSON text."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, MapType, StructType

    if not incomparable(kind):
        return value
    if _variant(kind):
        return F.to_json(value)
    if isinstance(kind, MapType):
        entries = F.transform(
            F.map_entries(value),
            lambda entry: F.struct(
                entry["key"].alias("key"), comparable(entry["value"], kind.valueType).alias("value")
            ),
        )
        return F.array_sort(entries)
    if isinstance(kind, ArrayType):
        return F.transform(value, lambda element: comparable(element, kind.elementType))
    assert isinstance(kind, StructType)
    fields = [comparable(value[item.name], item.dataType).alias(item.name) for item in kind.fields]
    return F.when(value.isNotNull(), F.struct(*fields))


def incomparable(kind: DataType) -> bool:
    """Whether a value of type `kind` holds a map or a variant, at any depth."""
    from pyspark.sql.types import ArrayType, MapType, StructType

    if isinstance(kind, MapType) or _variant(kind):
        return True
    if isinstance(kind, ArrayType):
        return incomparable(kind.elementType)
    return isinstance(kind, StructType) and any(incomparable(item.dataType) for item in kind.fields)


def _variant(kind: DataType) -> bool:
    return kind.typeName() in ("variant", "object")
