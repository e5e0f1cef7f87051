"""Results of runs; the task vocabulary itself lives in `medallion_orchestrator.tasks`."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from medallion_orchestrator.tasks import TaskOutcome, TaskResult, TaskStatus

__all__ = ["RunResult", "TaskOutcome", "TaskResult", "TaskStatus", "exit_value"]

EXIT_VALUE_BUDGET = 1024 * 1024  # bytes of the orchestrator's exit value; Databricks keeps 5 MB
ERROR_TAIL = 2000  # characters of a traceback kept there: its end, where the error is
MESSAGE_LIMIT = 1000
_TYPED_OUTPUT = ("target", "rows_written", "target_version", "message", "attempts")


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
        return self._json([result.to_dict() for result in self.results])

    def to_exit_value(self, limit: int = EXIT_VALUE_BUDGET) -> str:
        """The orchestrator notebook's exit value: `to_json` with each traceback cut to its end
        and each message to its first 1000 characters, under `limit` bytes whatever the tasks
        reported. Past it, extra output goes, then tracebacks (null), then the last results,
        counted in `results_omitted`."""
        results = [_cut(result.to_dict()) for result in self.results]
        for shrink in (None, _without_extra_output, _without_error):
            results = [shrink(r) for r in results] if shrink else results
            text = self._json(results)
            if len(text) <= limit:  # ASCII (json.dumps escapes the rest): characters are bytes
                return text
        budget = limit - len(self._json([], omitted=len(results)))
        kept = 0
        for result in results:
            budget -= len(json.dumps(result, default=str)) + len(", ")
            if budget < 0:
                break
            kept += 1
        return self._json(results[:kept], omitted=len(results) - kept)

    def _json(self, results: list[dict[str, Any]], omitted: int | None = None) -> str:
        extra = {} if omitted is None else {"results_omitted": omitted}
        return json.dumps(
            {
                "run_id": self.run_id,
                "layer": self.layer,
                "started_at": self.started_at.isoformat(),
                "ended_at": self.ended_at.isoformat(),
                "succeeded": self.succeeded,
                "counts": {status.value: self.counts[status] for status in TaskStatus},
                "results": results,
                **extra,
            },
            default=str,
        )


def exit_value(runs: Sequence[RunResult], limit: int = EXIT_VALUE_BUDGET) -> str:
    """The orchestrator's exit value: one run's `to_exit_value`; for layers run together,
    {"runs": [...]}, each run's value within its share of `limit`."""
    if len(runs) == 1:
        return runs[0].to_exit_value(limit)
    share = (limit - len('{"runs": []}')) // len(runs) - len(", ")
    return '{"runs": [' + ", ".join(run.to_exit_value(share) for run in runs) + "]}"


def _without_extra_output(result: dict[str, Any]) -> dict[str, Any]:
    output = {k: v for k, v in result["output"].items() if k in _TYPED_OUTPUT}
    return {**result, "output": output}


def _without_error(result: dict[str, Any]) -> dict[str, Any]:
    return {**result, "error": None}


def _cut(result: dict[str, Any]) -> dict[str, Any]:
    error, message = result["error"], result["message"]
    if error and len(error) > ERROR_TAIL:
        result["error"] = "... [cut]\n" + error[-ERROR_TAIL:]
    result["message"] = message[:MESSAGE_LIMIT]
    return result
