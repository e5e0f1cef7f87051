"""A run as the history sees it, as a context manager that cannot leak.

Entering takes the layer's lock, writes the run's RUNNING row to `run_log` and starts the
history writer. Leaving, however it is left (the executor's result, an exception, Ctrl-C),
closes that row with a terminal status, stops the writer and releases the lock. Everything that
can refuse a run is checked before entering: a refused run leaves no row.
"""

from __future__ import annotations

import logging
from datetime import datetime
from types import TracebackType

from medallion_orchestrator.clock import Clock
from medallion_orchestrator.execution.results import RunResult
from medallion_orchestrator.history.lock import LayerLock
from medallion_orchestrator.history.run_log import RunHistory
from medallion_orchestrator.tasks import RunStatus

logger = logging.getLogger(__name__)


class RecordedRun:
    def __init__(
        self,
        history: RunHistory,
        lock: LayerLock,
        environment: str,
        clock: Clock,
        repair_of: str | None = None,
        pinned_versions: str | None = None,
        max_workers: int | None = None,
        scheduler: str | None = None,
    ) -> None:
        self.history = history
        self.pinned_versions = pinned_versions
        self.max_workers = max_workers
        self.scheduler = scheduler
        self.lock = lock
        self.environment = environment
        self.clock = clock
        self.repair_of = repair_of
        self.started_at: datetime | None = None
        self._result: RunResult | None = None
        self._stopped = False

    @property
    def run_id(self) -> str:
        return self.lock.run_id

    @property
    def layer(self) -> str:
        return self.lock.layer

    def finished(self, result: RunResult, stopped: bool = False) -> None:
        """The executor's result; `stopped`: the run was asked to stop (Ctrl-C, SIGTERM)."""
        self._result = result
        self._stopped = stopped

    def __enter__(self) -> RecordedRun:
        self.lock.acquire()
        try:
            self.started_at = self.clock.now()
            self.history.start_run(
                self.run_id,
                self.layer,
                self.environment,
                self.started_at,
                self.repair_of,
                self.pinned_versions,
                self.max_workers,
                self.scheduler,
            )
        except BaseException:
            self.history.stop_writer()
            self.lock.release()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        status = self._status(exc)
        if exc is not None:
            logger.error("run %s of layer %s ended by %s", self.run_id, self.layer, exc_type)
        ended_at = self._result.ended_at if self._result is not None else self.clock.now()
        try:
            self.history.finish_run(self.run_id, status, ended_at, self._result)
        finally:
            self.lock.release()

    def _status(self, exc: BaseException | None) -> RunStatus:
        if isinstance(exc, KeyboardInterrupt) or (exc is None and self._stopped):
            return RunStatus.CANCELLED
        if exc is not None or self._result is None or not self._result.succeeded:
            return RunStatus.FAILED
        return RunStatus.SUCCESS
