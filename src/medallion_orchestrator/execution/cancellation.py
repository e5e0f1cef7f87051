"""Stopping a run: a token the executors and runners read, set once (Ctrl-C, SIGTERM, a caller).

Contract: once `cancel()` is called no task starts and no attempt is tried again; the
`on_cancel` callbacks (a runner cancelling its running notebooks and their Spark jobs) run on a
thread of their own, never in a signal handler. A task that had not succeeded when the run was
stopped is CANCELLED; one that succeeded first stays SUCCESS (its commit happened).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from medallion_orchestrator.clock import Clock, SystemClock
from medallion_orchestrator.tasks import (
    NOT_STARTED,
    SUCCEEDED,
    NotebookTask,
    Runner,
    TaskOutcome,
    TaskStatus,
    run_guarded,
)

logger = logging.getLogger(__name__)


class Cancellation:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self.reason = ""
        self.armed = False  # a run is under way: a signal stops it instead of interrupting
        self.arm_hooks: list[Callable[[], None]] = []  # e.g. put the signal handlers back

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True at once when the run is stopped."""
        return self._event.wait(seconds)

    def on_cancel(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback not in self._callbacks:
                self._callbacks.append(callback)

    def cancel(self, reason: str = "the run was stopped") -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            callbacks = list(self._callbacks)
        threading.Thread(
            target=_call_all, args=(callbacks,), name="medallion-cancel", daemon=True
        ).start()

    @contextmanager
    def arming(self) -> Iterator[None]:
        """While a run is under way, a signal asks it to stop cleanly (see `interrupts`)."""
        for hook in list(self.arm_hooks):
            hook()
        self.armed = True
        try:
            yield
        finally:
            self.armed = False


def _call_all(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            logger.exception("cancelling running tasks failed")


class StoppableRunner:
    """The run's view of a runner: no attempt starts once the run is stopped, an attempt that
    ends unsuccessfully after the stop is CANCELLED, and each attempt's start is noted."""

    def __init__(
        self,
        runner: Runner,
        cancellation: Cancellation,
        clock: Clock,
        on_start: Callable[[str], None] | None = None,
    ) -> None:
        self.runner = runner
        self.cancellation = cancellation
        self.clock = clock
        self.on_start = on_start  # told the key of each attempt that starts
        self.attempt_started: dict[str, datetime] = {}

    def run(self, task: NotebookTask) -> TaskOutcome:
        if self.cancellation.requested:
            return TaskOutcome(TaskStatus.CANCELLED, NOT_STARTED, attempts=0)
        self.attempt_started[task.key] = self.clock.now()
        logger.info("started   %s", task.key)  # progress: the task's attempt is under way
        if self.on_start is not None:
            self.on_start(task.key)
        outcome = run_guarded(self.runner, task, Exception)
        if self.cancellation.requested and outcome.status not in SUCCEEDED:
            message = f"cancelled: {self.cancellation.reason} ({outcome.message})"
            return replace(outcome, status=TaskStatus.CANCELLED, message=message, transient=False)
        return outcome


class StoppableClock:
    """A clock whose sleep (a retry's backoff) ends as soon as the run is stopped."""

    def __init__(self, clock: Clock, cancellation: Cancellation) -> None:
        self.clock = clock
        self.cancellation = cancellation

    def now(self) -> datetime:
        return self.clock.now()

    def monotonic(self) -> float:
        return self.clock.monotonic()

    def sleep(self, seconds: float) -> None:
        if isinstance(self.clock, SystemClock):
            self.cancellation.wait(seconds)
        elif not self.cancellation.requested:  # a test's clock: its own sleep, whole
            self.clock.sleep(seconds)
