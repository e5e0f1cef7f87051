"""`run_lock` as Delta SQL: the storage behind `LayerLock`, one row per layer held."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from medallion_orchestrator.history.run_log import RunHistory


@dataclass(frozen=True)
class Holder:
    """The run that holds a layer, as its `run_lock` row says."""

    run_id: str
    holder: str
    acquired_at: datetime | None
    heartbeat_at: datetime | None


class LockTable(Protocol):
    def claim(
        self, layer: str, run_id: str, holder: str, now: datetime, expired_before: datetime
    ) -> None:
        """Insert the layer's row, or replace one whose heartbeat is older than
        `expired_before`; may raise a Delta concurrent-modification error."""
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

    def claim(
        self, layer: str, run_id: str, holder: str, now: datetime, expired_before: datetime
    ) -> None:
        self.history.lakehouse.spark.sql(
            f"MERGE INTO {self._table} t "
            "USING (SELECT :layer AS layer, :run_id AS run_id, :holder AS holder, "
            "CAST(:now AS TIMESTAMP) AS acquired_at, CAST(:now AS TIMESTAMP) AS heartbeat_at) s "
            "ON t.layer = s.layer "
            "WHEN MATCHED AND t.heartbeat_at < CAST(:expired AS TIMESTAMP) THEN UPDATE SET * "
            "WHEN NOT MATCHED THEN INSERT *",
            args={
                "layer": layer,
                "run_id": run_id,
                "holder": holder,
                "now": local_time(now),
                "expired": local_time(expired_before),
            },
        )

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
