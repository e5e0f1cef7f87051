"""What both executors share: a pool of `max_workers` threads that runs tasks with `runner`,
times them by `clock`, tells `listeners` of each result and stops with `cancellation`."""

from __future__ import annotations

from dataclasses import dataclass, field

from medallion_orchestrator.clock import Clock, SystemClock
from medallion_orchestrator.execution.cancellation import Cancellation
from medallion_orchestrator.execution.worker import ResultListener
from medallion_orchestrator.tasks import Runner


@dataclass
class PoolExecutor:
    runner: Runner
    max_workers: int = 5
    continue_on_failure: bool = False
    clock: Clock = field(default_factory=SystemClock)
    listeners: list[ResultListener] = field(default_factory=list)
    cancellation: Cancellation = field(default_factory=Cancellation)

    def __post_init__(self) -> None:
        if self.max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {self.max_workers}")
