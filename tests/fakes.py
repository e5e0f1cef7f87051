"""Hand-written fakes of the package's own interfaces, shared by the tests."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

_START = datetime(2024, 1, 1, tzinfo=timezone.utc)


class FakeClock:
    """A Clock whose sleep only advances its counter, so retry and timeout tests never wait."""

    def __init__(self, start: datetime = _START) -> None:
        self._start = start
        self._elapsed = 0.0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._elapsed += max(seconds, 0.0)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._elapsed += seconds
