"""Results of runs; the task vocabulary itself lives in `medallion_orchestrator.tasks`."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from medallion_orchestrator.tasks import TaskOutcome, TaskResult, TaskStatus

__all__ = ["RunResult", "TaskOutcome", "TaskResult", "TaskStatus"]


@dataclass(frozen=True)
class RunResult:
    run_id: str
    layer: str
    started_at: datetime
    ended_at: datetime
    results: tuple[TaskResult, ...]

    @property
    def counts(self) -> Counter[TaskStatus]:
        return Counter(result.status for result in self.results)

    @property
    def succeeded(self) -> bool:
        return all(result.succeeded for result in self.results)

    @property
    def not_succeeded(self) -> list[TaskResult]:
        return [result for result in self.results if not result.succeeded]

    @property
    def duration_seconds(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()

    def to_json(self) -> str:
        return json.dumps(
            {
                "run_id": self.run_id,
                "layer": self.layer,
                "started_at": self.started_at.isoformat(),
                "ended_at": self.ended_at.isoformat(),
                "succeeded": self.succeeded,
                "counts": {status.value: self.counts[status] for status in TaskStatus},
                "results": [result.to_dict() for result in self.results],
            }
        )
