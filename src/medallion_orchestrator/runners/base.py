"""The runner interface: where one notebook task runs. A runner knows nothing of batches."""

from __future__ import annotations

import json
from typing import Protocol

from medallion_orchestrator.execution.results import TaskOutcome, TaskStatus
from medallion_orchestrator.planning import NotebookTask


class Runner(Protocol):
    def run(self, task: NotebookTask) -> TaskOutcome:
        """Run the task within its timeout; may raise (the executor turns that into FAILED)."""
        ...


def outcome_from_exit_value(value: str | None) -> TaskOutcome:
    """A loader notebook exits with a JSON object; no value at all counts as success."""
    if value is None or value == "":
        return TaskOutcome(TaskStatus.SUCCESS, "notebook exited without a value")
    try:
        output = json.loads(value)
    except json.JSONDecodeError:
        return TaskOutcome(TaskStatus.SUCCESS, value[:200], output={"exit_value": value})
    if not isinstance(output, dict):
        return TaskOutcome(TaskStatus.SUCCESS, str(output)[:200], output={"exit_value": output})
    status = TaskStatus(output.get("status", TaskStatus.SUCCESS.value))
    return TaskOutcome(status, str(output.get("message", "")), output.get("error"), output)
