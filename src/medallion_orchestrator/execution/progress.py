"""A run's progress as it goes: what is done, running and queued, and the time left.

The run tells it (`begin`, `started`, `finished`); whoever shows it reads `view()`, a live
terminal display or nobody. Each task's end is also one plain log line that carries the counts,
`[3/24] SUCCESS   dev_silver.crm.users (4.1s) ...`: what a log file, CI or a Databricks cell shows.
The time left is estimated from past durations (their median), once there are some.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from medallion_orchestrator.clock import Clock
from medallion_orchestrator.priorities import PastDurations, estimate_durations
from medallion_orchestrator.tasks import SUCCEEDED, TaskResult, TaskStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Running:
    key: str
    elapsed_seconds: float


@dataclass(frozen=True)
class ProgressView:
    layer: str
    total: int
    done: int  # ended, however they ended
    failed: int  # ended without succeeding, skipped ones apart
    skipped: int
    running: tuple[Running, ...]  # the longest-running first
    seconds_left: float | None  # None: no past durations to estimate from

    @property
    def queued(self) -> int:
        return self.total - self.done - len(self.running)

    def counts(self) -> str:
        return (
            f"{self.done} of {self.total} done, {len(self.running)} running, {self.queued} queued, "
            f"{self.failed} failed, {self.skipped} skipped"
        )


class RunProgress:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._layer = ""
        self._keys: list[str] = []
        self._expected: dict[str, float] | None = None
        self._workers = 1
        self._started: dict[str, float] = {}
        self._ended: dict[str, TaskStatus] = {}

    def begin(
        self, layer: str, keys: Iterable[str], past_durations: PastDurations, workers: int
    ) -> None:
        with self._lock:
            self._layer, self._keys, self._workers = layer, list(keys), max(1, workers)
            known = any(past_durations.get(key) for key in self._keys)
            self._expected = estimate_durations(self._keys, past_durations) if known else None

    def started(self, key: str) -> None:
        """An attempt started; a retry keeps the time of the first."""
        with self._lock:
            self._started.setdefault(key, self.clock.monotonic())

    def finished(self, result: TaskResult) -> None:
        with self._lock:
            self._started.pop(result.key, None)
            self._ended[result.key] = result.status
            position = f"[{len(self._ended)}/{len(self._keys) or len(self._ended)}]"
        logger.log(
            logging.INFO if result.succeeded else logging.ERROR,
            "%s %-9s %s (%.1fs) %s",
            position,
            result.status,
            result.key,
            result.duration_seconds,
            result.message,
        )

    def view(self) -> ProgressView:
        with self._lock:
            now = self.clock.monotonic()
            elapsed = {key: now - start for key, start in self._started.items()}
            running = sorted(elapsed.items(), key=lambda item: (-item[1], item[0]))
            statuses = list(self._ended.values())
            skipped = statuses.count(TaskStatus.SKIPPED)
            return ProgressView(
                layer=self._layer,
                total=len(self._keys),
                done=len(statuses),
                failed=sum(
                    status != TaskStatus.SKIPPED and status not in SUCCEEDED for status in statuses
                ),
                skipped=skipped,
                running=tuple(Running(key, seconds) for key, seconds in running),
                seconds_left=self._seconds_left(elapsed),
            )

    def _seconds_left(self, elapsed: dict[str, float]) -> float | None:
        """The work left spread over the workers, never less than the longest task left."""
        if self._expected is None:
            return None
        queued = [k for k in self._keys if k not in self._ended and k not in elapsed]
        left = [self._expected[k] for k in queued]
        left += [max(self._expected.get(k, 0.0) - seconds, 0.0) for k, seconds in elapsed.items()]
        return max(sum(left) / self._workers, max(left, default=0.0))
