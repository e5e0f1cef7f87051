"""LayerLock's logic on an in-memory lock table: races, dead holders, messages."""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta
from typing import Any

import pytest

from fakes import ConcurrentAppendException, FakeClock
from medallion_orchestrator.history.lock import LayerLock, LayerLocked, _locked_message
from medallion_orchestrator.history.lock_table import Holder, local_time


class FakeLockTable:
    """run_lock in memory; `conflicts` claims fail as if a concurrent commit won first."""

    def __init__(self, conflicts: int = 0, beat_conflicts: int = 0) -> None:
        self.rows: dict[str, Holder] = {}
        self.conflicts = conflicts
        self.beat_conflicts = beat_conflicts
        self.claims = 0
        self.beats = 0

    def insert(self, layer: str, run_id: str, holder: str, now: datetime) -> bool:
        self.claims += 1
        if self.conflicts:
            self.conflicts -= 1
            raise ConcurrentAppendException("[DELTA_CONCURRENT_APPEND] Files were added")
        if layer in self.rows:
            return False
        self.rows[layer] = Holder(run_id, holder, local_time(now), local_time(now))
        return True

    def replace(self, layer: str, run_id: str, holder: str, now: datetime, previous: str) -> bool:
        self.claims += 1
        if layer not in self.rows or self.rows[layer].run_id != previous:
            return False
        self.rows[layer] = Holder(run_id, holder, local_time(now), local_time(now))
        return True

    def holder_of(self, layer: str) -> Holder | None:
        return self.rows.get(layer)

    def beat(self, layer: str, run_id: str, now: datetime) -> None:
        if self.beat_conflicts:  # another layer's beat or release rewrote run_lock's file
            self.beat_conflicts -= 1
            raise ConcurrentAppendException("[DELTA_CONCURRENT_APPEND] Files were added")
        self.beats += 1

    def remove(self, layer: str, run_id: str) -> None:
        if layer in self.rows and self.rows[layer].run_id == run_id:
            del self.rows[layer]


def lock(table: FakeLockTable, run_id: str, clock: FakeClock, **kwargs: Any) -> LayerLock:
    return LayerLock(table, "layer_a", run_id, clock=clock, heartbeat=timedelta(hours=1), **kwargs)


def test_a_claim_that_loses_a_race_is_tried_again() -> None:
    table, clock = FakeLockTable(conflicts=3), FakeClock()
    taken = lock(table, "run-1", clock)
    taken.acquire()
    try:
        assert table.rows["layer_a"].run_id == "run-1"
        assert table.claims == 4
        assert len(clock.sleeps) == 3  # backed off between tries, on the injected clock
    finally:
        taken.release()
    assert table.rows == {}


def test_a_live_holder_keeps_the_layer() -> None:
    table, clock = FakeLockTable(), FakeClock()
    first = lock(table, "run-1", clock, holder="elsewhere:1")
    first.acquire()
    try:
        with pytest.raises(LayerLocked, match=r"being run by run run-1 .*last heartbeat 0s ago"):
            lock(table, "run-2", clock).acquire()
    finally:
        first.release()


def test_a_dead_holder_on_this_machine_is_taken_over() -> None:
    table, clock = FakeLockTable(), FakeClock()
    table.insert("layer_a", "dead-run", f"{_this_host()}:{_unused_pid()}", clock.now())
    abandoned: list[str] = []
    taken = lock(table, "run-2", clock, on_take_over=abandoned.append)
    taken.acquire()
    taken.release()
    assert abandoned == ["dead-run"]


def test_a_holder_elsewhere_whose_heartbeat_expired_is_taken_over_and_told() -> None:
    table, clock = FakeLockTable(), FakeClock()
    table.insert("layer_a", "dead-run", "another-host:1", clock.now() - timedelta(minutes=6))
    abandoned: list[str] = []
    taken = lock(table, "run-2", clock, on_take_over=abandoned.append)
    taken.acquire()
    assert table.rows["layer_a"].run_id == "run-2"
    taken.release()
    assert abandoned == ["dead-run"]


def test_a_holder_elsewhere_within_its_expiry_keeps_the_layer() -> None:
    table, clock = FakeLockTable(), FakeClock()
    table.insert("layer_a", "slow-run", "another-host:1", clock.now() - timedelta(minutes=4))
    with pytest.raises(LayerLocked, match="being run by run slow-run"):
        lock(table, "run-2", clock).acquire()


def test_a_heartbeat_ahead_of_our_clock_is_never_negative() -> None:
    now = datetime.now().astimezone()
    ahead = local_time(now) + timedelta(seconds=1.4)
    message = _locked_message("layer_a", Holder("r", "host:1", ahead, ahead), now)
    assert "last heartbeat 0s ago" in message


def _this_host() -> str:
    return socket.gethostname()


def _unused_pid() -> int:
    pid = 999_999
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


@pytest.mark.parametrize(("conflicts", "beats"), [(2, 1), (50, 0)])
def test_a_heartbeat_that_loses_a_race_is_tried_again_and_never_a_traceback(
    conflicts: int, beats: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Two layers run together beat on one run_lock file: one UPDATE may lose to the other."""
    table, clock = FakeLockTable(beat_conflicts=conflicts), FakeClock()
    held = lock(table, "run-1", clock)
    held.acquire()
    try:
        with caplog.at_level(logging.DEBUG):
            held.beat()
    finally:
        held.release()

    assert table.beats == beats
    assert not any(record.exc_info for record in caplog.records)
    assert all(record.levelno <= logging.WARNING for record in caplog.records)
    if not beats:
        assert "heartbeat of run run-1 lost to concurrent commits" in caplog.text
