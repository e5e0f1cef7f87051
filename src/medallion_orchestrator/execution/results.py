"""Statuses and results of tasks and runs."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class TaskStatus(str, Enum):
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    SKIPPED = "SKIPPED"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class TaskOutcome:
    """What a runner reports for one task."""

    status: TaskStatus
    message: str = ""
    error: str | None = None
    output: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskResult:
    key: str
    notebook: str
    execution_order: int
    status: TaskStatus
    message: str
    started_at: datetime | None
    ended_at: datetime | None
    duration_seconds: float
    error: str | None = None
    output: dict[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.status is TaskStatus.SUCCESS

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "notebook": self.notebook,
            "execution_order": self.execution_order,
            "status": self.status.value,
            "message": self.message,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "duration_seconds": round(self.duration_seconds, 3),
            "error": self.error,
            "output": self.output,
        }


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
