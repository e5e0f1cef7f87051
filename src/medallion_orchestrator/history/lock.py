"""One run per layer at a time: a row in `run_lock`, kept alive by a heartbeat.

Taking the lock is one MERGE; two runs racing for it are serialized by Delta's optimistic
concurrency, so exactly one wins. A lock whose heartbeat is older than `expiry` belongs to a
dead run and is taken over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from medallion_orchestrator.clock import Clock, SystemClock
from medallion_orchestrator.errors import MedallionError

if TYPE_CHECKING:
    from medallion_orchestrator.history.run_log import RunHistory

logger = logging.getLogger(__name__)

DEFAULT_EXPIRY = timedelta(minutes=5)
DEFAULT_HEARTBEAT = timedelta(seconds=30)


class LayerLocked(MedallionError, RuntimeError):
    """Another run of the layer is active."""


@dataclass
class LayerLock:
    history: RunHistory
    layer: str
    run_id: str
    expiry: timedelta = DEFAULT_EXPIRY
    heartbeat: timedelta = DEFAULT_HEARTBEAT
    clock: Clock | None = None

    def __post_init__(self) -> None:
        self._clock = self.clock or SystemClock()
        self._stop = threading.Event()
        self._beating: threading.Thread | None = None
        self.holder = f"{socket.gethostname()}:{os.getpid()}"

    @property
    def _table(self) -> str:
        return self.history.physical("run_lock")

    def acquire(self) -> None:
        """Take the layer or raise LayerLocked naming the active run."""
        now = self._clock.now()
        try:
            self._merge(now)
        except Exception as error:
            if "Concurrent" not in type(error).__name__ + str(error):
                raise
            logger.debug("lost the race for layer %s: %s", self.layer, error)
        held = self._current()
        if held is not None and held["run_id"] != self.run_id and _holder_is_dead(held):
            logger.warning(
                "run %s died without releasing layer %s; taking over", held["run_id"], self.layer
            )
            self._merge(now, take_over=True)
            self.history.mark_abandoned(str(held["run_id"]))
            held = self._current()
        if held is None or held["run_id"] != self.run_id:
            raise LayerLocked(_locked_message(self.layer, held, now))
        self._beating = threading.Thread(target=self._beat, name="medallion-heartbeat", daemon=True)
        self._beating.start()

    def release(self) -> None:
        self._stop.set()
        if self._beating is not None:
            self._beating.join()
        self.history.lakehouse.spark.sql(
            f"DELETE FROM {self._table} WHERE layer = :layer AND run_id = :run_id",
            args={"layer": self.layer, "run_id": self.run_id},
        )

    def __enter__(self) -> LayerLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _merge(self, now: datetime, take_over: bool = False) -> None:
        spark = self.history.lakehouse.spark
        spark.sql(
            f"MERGE INTO {self._table} t "
            "USING (SELECT :layer AS layer, :run_id AS run_id, :holder AS holder, "
            "CAST(:now AS TIMESTAMP) AS acquired_at, CAST(:now AS TIMESTAMP) AS heartbeat_at) s "
            "ON t.layer = s.layer "
            "WHEN MATCHED AND t.heartbeat_at < CAST(:expired AS TIMESTAMP) THEN UPDATE SET * "
            "WHEN NOT MATCHED THEN INSERT *",
            args={
                "layer": self.layer,
                "run_id": self.run_id,
                "holder": self.holder,
                "now": _local(now),
                "expired": _local(now + timedelta(days=1) if take_over else now - self.expiry),
            },
        )

    def _current(self) -> dict[str, object] | None:
        rows = self.history.lakehouse.spark.sql(
            f"SELECT * FROM {self._table} WHERE layer = :layer", args={"layer": self.layer}
        ).collect()
        return rows[0].asDict() if rows else None

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat.total_seconds()):
            try:
                self.history.lakehouse.spark.sql(
                    f"UPDATE {self._table} SET heartbeat_at = CAST(:now AS TIMESTAMP) "
                    "WHERE layer = :layer AND run_id = :run_id",
                    args={
                        "now": _local(self._clock.now()),
                        "layer": self.layer,
                        "run_id": self.run_id,
                    },
                )
            except Exception:
                logger.exception("heartbeat of run %s failed", self.run_id)


def _holder_is_dead(held: dict[str, object]) -> bool:
    """A holder on this machine whose process is gone: no need to wait for its heartbeat."""
    host, _, pid = str(held.get("holder", "")).rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _local(moment: datetime) -> datetime:
    """Naive local time, as Spark reads and returns TIMESTAMP values in this process."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def _locked_message(layer: str, held: dict[str, object] | None, now: datetime) -> str:
    if held is None:
        return f"layer {layer}: could not take the run lock; try again"
    beat = held["heartbeat_at"]
    age = f"{(_local(now) - beat).total_seconds():.0f}s ago" if isinstance(beat, datetime) else "?"
    return (
        f"layer {layer} is being run by run {held['run_id']} ({held['holder']}, "
        f"started {held['acquired_at']}, last heartbeat {age}); "
        "wait for it, or for its heartbeat to expire if it died"
    )
