"""`run_lock` as Delta SQL: the storage behind `LayerLock`, one row per layer held."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from medallion_orchestrator.history.run_log import RunHistory


@dataclass(frozen=True)
class Holder:
    """The run that holds a layer, as its `run_lock` row says."""

    run_id: str
    holder: str
    acquired_at: datetime | None
    heartbeat_at: datetime | None


class LockTable(Protocol):
    def insert(self, layer: str, run_id: str, holder: str, now: datetime) -> bool:
        """Add the layer's row unless it has one; whether this call added it. May raise a Delta
        concurrent-modification error."""
        ...

    def replace(self, layer: str, run_id: str, holder: str, now: datetime, previous: str) -> bool:
        """Give the layer's row of run `previous` to this run; whether this call did."""
        ...

    def holder_of(self, layer: str) -> Holder | None: ...

    def beat(self, layer: str, run_id: str, now: datetime) -> None: ...

    def remove(self, layer: str, run_id: str) -> None: ...


class DeltaLockTable:
    """Times are written as naive local time, as Spark reads TIMESTAMP values in this process."""

    def __init__(self, history: RunHistory) -> None:
        self.history = history

    @property
    def _table(self) -> str:
        return self.history.physical("run_lock")

    def insert(self, layer: str, run_id: str, holder: str, now: datetime) -> bool:
        inserted = self.history.lakehouse.spark.sql(
            f"MERGE INTO {self._table} t "
            "USING (SELECT :layer AS layer, :run_id AS run_id, :holder AS holder, "
            "CAST(:now AS TIMESTAMP) AS acquired_at, CAST(:now AS TIMESTAMP) AS heartbeat_at) s "
            "ON t.layer = s.layer WHEN NOT MATCHED THEN INSERT *",
            args={"layer": layer, "run_id": run_id, "holder": holder, "now": local_time(now)},
        )
        return self._changed(inserted, "num_inserted_rows", layer, run_id)

    def replace(self, layer: str, run_id: str, holder: str, now: datetime, previous: str) -> bool:
        updated = self.history.lakehouse.spark.sql(
            f"UPDATE {self._table} SET run_id = :run_id, holder = :holder, "
            "acquired_at = CAST(:now AS TIMESTAMP), heartbeat_at = CAST(:now AS TIMESTAMP) "
            "WHERE layer = :layer AND run_id = :previous",
            args={
                "layer": layer,
                "run_id": run_id,
                "holder": holder,
                "now": local_time(now),
                "previous": previous,
            },
        )
        return self._changed(updated, "num_affected_rows", layer, run_id)

    def _changed(self, metrics: DataFrame, column: str, layer: str, run_id: str) -> bool:
        """From the statement's row counts; a runtime that returns none is asked who holds."""
        if column in metrics.columns:
            return bool(metrics.first()[column])  # type: ignore[index]
        held = self.holder_of(layer)
        return held is not None and held.run_id == run_id

    def holder_of(self, layer: str) -> Holder | None:
        rows = self.history.lakehouse.spark.sql(
            f"SELECT * FROM {self._table} WHERE layer = :layer", args={"layer": layer}
        ).collect()
        if not rows:
            return None
        row = rows[0]
        return Holder(
            str(row["run_id"]), str(row["holder"]), row["acquired_at"], row["heartbeat_at"]
        )

    def beat(self, layer: str, run_id: str, now: datetime) -> None:
        self.history.lakehouse.spark.sql(
            f"UPDATE {self._table} SET heartbeat_at = CAST(:now AS TIMESTAMP) "
            "WHERE layer = :layer AND run_id = :run_id",
            args={"now": local_time(now), "layer": layer, "run_id": run_id},
        )

    def remove(self, layer: str, run_id: str) -> None:
        self.history.lakehouse.spark.sql(
            f"DELETE FROM {self._table} WHERE layer = :layer AND run_id = :run_id",
            args={"layer": layer, "run_id": run_id},
        )


def local_time(moment: datetime) -> datetime:
    """Naive local time, as Spark reads and returns TIMESTAMP values in this process."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment
