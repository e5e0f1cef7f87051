"""Struct columns whose fields changed in bronze: the type Delta's schema evolution gives them,
and a stored or incoming value brought to that type as SQL text, field by field, by name.

A field added inside a struct (at any depth, in an array's elements or a map's values) is
appended after the stored fields, as `MERGE WITH SCHEMA EVOLUTION` adds it; a field bronze no
longer sends stays. A field keeps its stored type unless it must widen:
schema.check_target_holds has refused a type the target cannot hold, unless the table widens
it (type widening on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from medallion_orchestrator.loaders.schema import holds
from medallion_orchestrator.loaders.sql_text import quoted, struct_sql

if TYPE_CHECKING:
    from pyspark.sql.types import DataType, StructType


class Shapes(NamedTuple):
    """A nested column's type in the source, in the target, and once evolved."""

    incoming: DataType
    stored: DataType
    evolved: DataType


def merged(stored: DataType, incoming: DataType) -> DataType:
    """The stored type with the fields only `incoming` has appended, at every depth."""
    from pyspark.sql.types import ArrayType, MapType, StructField, StructType

    if isinstance(stored, StructType) and isinstance(incoming, StructType):
        sent = {item.name.lower(): item for item in incoming.fields}
        known = {item.name.lower() for item in stored.fields}
        fields = [
            StructField(item.name, merged(item.dataType, sent[item.name.lower()].dataType))
            if item.name.lower() in sent
            else item
            for item in stored.fields
        ]
        return StructType(
            fields + [item for item in incoming.fields if item.name.lower() not in known]
        )
    if isinstance(stored, ArrayType) and isinstance(incoming, ArrayType):
        return ArrayType(merged(stored.elementType, incoming.elementType))
    if isinstance(stored, MapType) and isinstance(incoming, MapType):
        return MapType(stored.keyType, merged(stored.valueType, incoming.valueType))
    return stored if holds(stored, incoming) else incoming  # a type widened (type widening on)


def evolved(stored: StructType, incoming: StructType) -> dict[str, Shapes]:
    """For each nested column of both whose type differs: its incoming, stored and merged type."""
    types = {item.name: item.dataType for item in stored.fields}
    return {
        item.name: Shapes(item.dataType, kept, merged(kept, item.dataType))
        for item in incoming.fields
        if (kept := types.get(item.name)) is not None
        and kept != item.dataType
        and nests(kept)
        and nests(item.dataType)
    }


def reshaped(value: str, have: DataType, want: DataType, depth: int = 0) -> str:
    """SQL text: `value`, of type `have`, as type `want`; fields `have` lacks are NULL and
    fields `want` lacks are left out."""
    from pyspark.sql.types import ArrayType, MapType, StructType

    if have == want:
        return value
    if isinstance(have, StructType) and isinstance(want, StructType):
        sent = {item.name.lower(): item for item in have.fields}
        fields = {
            item.name: reshaped(
                f"{value}.{quoted(sent[item.name.lower()].name)}",
                sent[item.name.lower()].dataType,
                item.dataType,
                depth,
            )
            if item.name.lower() in sent
            else f"CAST(NULL AS {type_sql(item.dataType)})"
            for item in want.fields
        }
        return f"IF({value} IS NULL, NULL, {struct_sql(fields)})"
    element = f"__medallion_e{depth}"
    if isinstance(have, ArrayType) and isinstance(want, ArrayType):
        inner = reshaped(element, have.elementType, want.elementType, depth + 1)
        return f"transform({value}, {element} -> {inner})"
    if isinstance(have, MapType) and isinstance(want, MapType):
        key = f"__medallion_k{depth}"
        inner = reshaped(element, have.valueType, want.valueType, depth + 1)
        return f"transform_values({value}, ({key}, {element}) -> {inner})"
    return f"CAST({value} AS {type_sql(want)})"


def combined(incoming: str, stored: str, have: DataType, kept: DataType, want: DataType) -> str:
    """SQL text of type `want`: the `incoming` value (of type `have`), with the fields it lacks
    taken from the `stored` one (of type `kept`) at every struct depth: a field bronze stopped
    sending keeps its value, as a column bronze dropped does. Elements of arrays and values of
    maps cannot be paired: those take the incoming value's, with NULL for what it lacks."""
    from pyspark.sql.types import StructType

    if not (isinstance(have, StructType) and isinstance(want, StructType)):
        return reshaped(incoming, have, want)
    sent = {item.name.lower(): item for item in have.fields}
    held = {item.name.lower(): item for item in kept.fields} if isinstance(kept, StructType) else {}
    fields = {}
    for item in want.fields:
        name = item.name.lower()
        if name in sent and name in held:
            fields[item.name] = combined(
                f"{incoming}.{quoted(sent[name].name)}",
                f"{stored}.{quoted(held[name].name)}",
                sent[name].dataType,
                held[name].dataType,
                item.dataType,
            )
        elif name in sent:
            fields[item.name] = reshaped(
                f"{incoming}.{quoted(sent[name].name)}", sent[name].dataType, item.dataType
            )
        else:
            fields[item.name] = reshaped(
                f"{stored}.{quoted(held[name].name)}", held[name].dataType, item.dataType
            )
    return f"IF({incoming} IS NULL, NULL, {struct_sql(fields)})"


def type_sql(kind: DataType) -> str:
    """A type as SQL, field names quoted."""
    from pyspark.sql.types import ArrayType, MapType, StructType

    if isinstance(kind, StructType):
        fields = ", ".join(
            f"{quoted(item.name)}: {type_sql(item.dataType)}" for item in kind.fields
        )
        return f"STRUCT<{fields}>"
    if isinstance(kind, ArrayType):
        return f"ARRAY<{type_sql(kind.elementType)}>"
    if isinstance(kind, MapType):
        return f"MAP<{type_sql(kind.keyType)}, {type_sql(kind.valueType)}>"
    return kind.simpleString()


def nests(kind: DataType) -> bool:
    from pyspark.sql.types import ArrayType, MapType, StructType

    return isinstance(kind, (ArrayType, MapType, StructType))
