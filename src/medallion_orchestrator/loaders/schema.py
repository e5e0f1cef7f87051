"""Schemas and contents of whole tables: what changed between two schemas, and a fingerprint
that tells whether two tables hold the same rows without joining them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.loaders.common import col

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType


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
    are hashed too, so (1, NULL) and (NULL, 1) differ."""
    from pyspark.sql import functions as F

    parts = [part for c in frame.columns for part in (col(c), col(c).isNull())]
    if not parts:
        return (frame.count(), 0, 0)
    row = frame.agg(
        F.count(F.lit(1)),
        F.coalesce(F.sum(F.xxhash64(*parts).cast("decimal(38,0)")), F.lit(0)),
        F.coalesce(F.sum(F.hash(*parts).cast("decimal(38,0)")), F.lit(0)),
    ).first()
    assert row is not None
    return (int(row[0]), int(row[1]), int(row[2]))
