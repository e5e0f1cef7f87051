"""One run per layer at a time: a row in `run_lock`, kept alive by a heartbeat.

Taking the lock is a read, then one MERGE that inserts the layer's row if it has none. Runs of
different layers write the same table, so a claim that loses a race to a concurrent commit is
tried again; two runs of one layer are serialized by Delta's optimistic concurrency, so exactly
one holds it. A lock whose heartbeat is older than `expiry`, or whose holder's process is gone
from this machine, belongs to a dead run: it is taken over with an UPDATE of that run's row
only, and the dead run is told to `on_take_over` (the run log marks it ABANDONED). Storage is
behind `LockTable` (`lock_table.py`), so this logic is tested without Spark.
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
            held = self.table.holder_of(self.layer)
            if held is None:
                taken = self._claimed(
                    lambda: self.table.insert(
                        self.layer, self.run_id, self.holder, self.clock.now()
                    )
                )
            elif held.run_id == self.run_id:
                taken = True
            elif self._expired(held) or _holder_is_dead(held):
                taken = self._take_over(held)
            else:
                raise LayerLocked(_locked_message(self.layer, held, self.clock.now()))
            if taken:
                self._start_heartbeat()
                return
            self.clock.sleep(backoff(attempt))  # our claim lost a race: read again
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

    def _insert(self) -> bool:
        return self.table.insert(self.layer, self.run_id, self.holder, self.clock.now())

    def _expired(self, held: Holder) -> bool:
        beat = held.heartbeat_at
        return beat is not None and beat < local_time(self.clock.now() - self.expiry)

    def _take_over(self, held: Holder) -> bool:
        """The layer from a dead run, whose run is then told to `on_take_over`."""
        logger.warning(
            "run %s of layer %s is dead (last heartbeat %s); taking over",
            held.run_id,
            self.layer,
            held.heartbeat_at,
        )
        taken = self._claimed(
            lambda: self.table.replace(
                self.layer, self.run_id, self.holder, self.clock.now(), held.run_id
            )
        )
        if taken and self.on_take_over is not None:
            self.on_take_over(held.run_id)
        return taken

    def _claimed(self, claim: Callable[[], bool]) -> bool:
        """A claim's answer; one that lost a race to a concurrent commit did not claim."""
        try:
            return claim()
        except Exception as error:
            if not is_concurrent_conflict(error):
                raise
            logger.debug("lost a race for layer %s: %s", self.layer, error)
            return False

    def _start_heartbeat(self) -> None:
        self._beating = threading.Thread(target=self._beat, name="medallion-heartbeat", daemon=True)
        self._beating.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat.total_seconds()):
            self.beat()

    def beat(self) -> None:
        """One heartbeat. Layers run at once beat on one run_lock file, so an UPDATE may lose to
        another's: it is tried again; one that keeps losing waits for the next beat."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self.table.beat(self.layer, self.run_id, self.clock.now())
                return
            except Exception as error:
                if not is_concurrent_conflict(error):
                    logger.exception("heartbeat of run %s failed", self.run_id)
                    return
                logger.debug("heartbeat of run %s lost a race: %s", self.run_id, error)
                self.clock.sleep(backoff(attempt))
        logger.warning(
            "heartbeat of run %s lost to concurrent commits %d times; the next one in %ds",
            self.run_id,
            ATTEMPTS,
            self.heartbeat.total_seconds(),
        )


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
