"""SCD1 tombstones: a delete is remembered after bronze has lost it (AUTO CDC keeps them too).

An SCD1 delete removes the target's row, and with it what the target knew of the key. When
bronze is compacted and the delete row is gone, an upsert sequenced before the delete that
arrives later would find no row and bring the key back. So each delete that a load's events end
with is kept in a small table per target, `<target>__tombstones` beside it (the keys, the
delete's `sequence`, `recorded_at`), and every load of the target replays its tombstones as
delete events: an older upsert loses to them as it loses to a delete still in bronze.

Kept in step in one MERGE before the target's commit, only when something changes: a newer
delete records or moves a key's tombstone; an upsert newer than the tombstone (the key is back)
removes it; a tombstone recorded more than `tombstone_retention_seconds` ago is cleaned up (after
that, a late upsert older than the delete can bring the key back, as with AUTO CDC). Written
before the target, a tombstone whose load then fails is a delete still in bronze, applied by the
next run; written after, a failure between the two could lose it. SCD2 needs none: the closed
version keeps the delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from medallion_orchestrator.loaders.commit import merge_staged
from medallion_orchestrator.loaders.common import col, ensure_target_schema, field
from medallion_orchestrator.loaders.events import DELETED, SEQUENCE
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.loaders.staging import DELETE, INSERT, OP, UPDATE, Cache, Merge

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import DataType

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

SUFFIX = "__tombstones"
AT, RECORDED = "sequence", "recorded_at"


@dataclass(frozen=True)
class Tombstones:
    """The tombstone table of one SCD1 target."""

    table: str
    keys: list[str]
    retention_seconds: int

    @classmethod
    def of(cls, lakehouse: Lakehouse, spec: LoadSpec) -> Tombstones | None:
        """The target's tombstones; None when its deletes are not sequenced or none are kept."""
        config = spec.cdc
        if not (config.sequence_columns and config.delete_condition):
            return None
        if not config.tombstone_retention_seconds:
            return None
        table = spec.writing(SUFFIX).target(lakehouse)
        return cls(table, list(spec.keys), config.tombstone_retention_seconds)

    def replayed(self, lakehouse: Lakehouse, kind: DataType) -> DataFrame | None:
        """The tombstones as delete events (keys, SEQUENCE of type `kind`, DELETED)."""
        from pyspark.sql import functions as F

        if not lakehouse.spark.catalog.tableExists(self.table):
            return None
        return lakehouse.spark.table(self.table).select(
            *[col(k) for k in self.keys],
            col(AT).cast(kind).alias(SEQUENCE),
            F.lit(True).alias(DELETED),
        )

    def record(self, lakehouse: Lakehouse, spec: LoadSpec, latest: DataFrame, cache: Cache) -> None:
        """Keep the tombstones in step with each key's `latest` event (keys, SEQUENCE, DELETED),
        expired ones removed; no commit when nothing changes."""
        from pyspark.sql import functions as F

        spark, keys = lakehouse.spark, [col(k) for k in self.keys]
        events = latest.select(*keys, col(SEQUENCE).alias(AT), col(DELETED))
        if not spark.catalog.tableExists(self.table):
            fresh = events.where(col(DELETED)).select(
                *keys, col(AT), F.current_timestamp().alias(RECORDED)
            )
            if fresh.take(1):
                ensure_target_schema(lakehouse, spec)
                fresh.write.format("delta").saveAsTable(self.table)
            return
        kept = spark.table(self.table).select(*keys, col(AT), col(RECORDED))
        joined = events.alias("s").join(kept.alias("t"), self.keys, "full")
        incoming, stored = field("s", AT), field("t", AT)
        newer = incoming.isNotNull() & (stored.isNull() | (incoming > stored))
        expired = field("t", RECORDED) < F.current_timestamp() - F.make_dt_interval(
            secs=F.lit(self.retention_seconds)
        )
        op = (
            F.when(newer & field("s", DELETED), F.when(stored.isNull(), INSERT).otherwise(UPDATE))
            .when(newer & ~field("s", DELETED) & stored.isNotNull(), DELETE)
            .when(stored.isNotNull() & expired, DELETE)
        )
        staged = joined.select(
            *keys,
            F.coalesce(incoming, stored).alias(AT),
            F.current_timestamp().alias(RECORDED),
            op.alias(OP),
        ).where(col(OP).isNotNull())
        on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in self.keys)
        values = {name: f"s.`{name}`" for name in (*self.keys, AT, RECORDED)}
        merge = Merge(on, values, values)
        merge_staged(lakehouse, spec, self.table, cache.keep(staged, eager=False), merge)
