"""One run per layer at a time: a row in `run_lock`, kept alive by a heartbeat.

Taking the lock is one MERGE. Runs of different layers write the same table, so a MERGE that
loses a race to a concurrent commit is tried again; two runs of one layer are serialized by
Delta's optimistic concurrency, so exactly one holds it. A lock whose heartbeat is older than
`expiry`, or whose holder's process is gone from this machine, belongs to a dead run and is
taken over. Storage is behind `LockTable` (`lock_table.py`), so this logic is tested without
Spark.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from medallion_orchestrator.clock import Clock, SystemClock
from medallion_orchestrator.errors import MedallionError
from medallion_orchestrator.history.conflicts import ATTEMPTS, backoff, retry_on_conflict
from medallion_orchestrator.history.lock_table import Holder, LockTable, local_time
from medallion_orchestrator.transient import is_concurrent_conflict

logger = logging.getLogger(__name__)

DEFAULT_EXPIRY = timedelta(minutes=5)
DEFAULT_HEARTBEAT = timedelta(seconds=30)
FAR_FUTURE = timedelta(days=1)


class LayerLocked(MedallionError, RuntimeError):
    """Another run of the layer is active."""


@dataclass
class LayerLock:
    table: LockTable
    layer: str
    run_id: str
    clock: Clock = field(default_factory=SystemClock)
    expiry: timedelta = DEFAULT_EXPIRY
    heartbeat: timedelta = DEFAULT_HEARTBEAT
    on_take_over: Callable[[str], None] | None = None  # told the run_id of a dead holder
    holder: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._beating: threading.Thread | None = None

    def acquire(self) -> None:
        """Take the layer or raise LayerLocked naming the active run."""
        for attempt in range(1, ATTEMPTS + 1):
            held = self._try_claim()
            if held is not None and held.run_id == self.run_id:
                self._start_heartbeat()
                return
            if held is not None and not _holder_is_dead(held):
                raise LayerLocked(_locked_message(self.layer, held, self.clock.now()))
            if held is not None:  # its process is gone: no need to wait for its heartbeat
                logger.warning(
                    "run %s died without releasing layer %s; taking over", held.run_id, self.layer
                )
                taken = self._try_claim(take_over=True)
                if taken is not None and taken.run_id == self.run_id and self.on_take_over:
                    self.on_take_over(held.run_id)
                continue  # read again: the claim may have lost a race
            self.clock.sleep(backoff(attempt))  # released meanwhile, or our claim lost a race
        raise LayerLocked(f"layer {self.layer}: could not take the run lock in {ATTEMPTS} tries")

    def release(self) -> None:
        self._stop.set()
        if self._beating is not None:
            self._beating.join()
        retry_on_conflict(
            lambda: self.table.remove(self.layer, self.run_id),
            self.clock,
            f"releasing layer {self.layer}",
        )

    def __enter__(self) -> LayerLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _try_claim(self, take_over: bool = False) -> Holder | None:
        """Claim the row (a lost race is not an error), then who holds the layer."""
        now = self.clock.now()
        expired_before = now + FAR_FUTURE if take_over else now - self.expiry
        try:
            self.table.claim(self.layer, self.run_id, self.holder, now, expired_before)
        except Exception as error:
            if not is_concurrent_conflict(error):
                raise
            logger.debug("lost a race for layer %s: %s", self.layer, error)
        return self.table.holder_of(self.layer)

    def _start_heartbeat(self) -> None:
        self._beating = threading.Thread(target=self._beat, name="medallion-heartbeat", daemon=True)
        self._beating.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat.total_seconds()):
            try:
                self.table.beat(self.layer, self.run_id, self.clock.now())
            except Exception:
                logger.exception("heartbeat of run %s failed", self.run_id)


def _holder_is_dead(held: Holder) -> bool:
    """A holder on this machine whose process is gone."""
    host, _, pid = held.holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _locked_message(layer: str, held: Holder, now: datetime) -> str:
    beat = held.heartbeat_at
    # another process's clock may be a little ahead of ours: an age is never negative
    age = f"{max(0.0, (local_time(now) - beat).total_seconds()):.0f}s ago" if beat else "?"
    return (
        f"layer {layer} is being run by run {held.run_id} ({held.holder}, "
        f"started {held.acquired_at}, last heartbeat {age}); "
        "wait for it, or for its heartbeat to expire if it died"
    )
