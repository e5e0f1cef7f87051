"""The exit value every notebook the orchestrator runs ends with, success or failure.

On Databricks a failed child reaches its parent only as "Workload failed, see run output": its
own error is lost. So a notebook catches its own error and exits with it. Contract 1 is one JSON
object:

    {"contract": 1, "status": "SUCCESS" | "UP_TO_DATE" | "FAILED", "message": str,
     "transient": bool, "target": str | null, "rows_written": int | null,
     "target_version": int | null, "build": object | null,  # a gold build's ledger entry
     "error_class": str, "traceback": str (at most 64 KB)}     # the last two when FAILED

plus any other keys the load returned. `transient` is computed in the child, where the real
exception is. A notebook follows the recipe with `exit_value.run_and_exit(dbutils, lambda:
load(...))`.
When it fails, `target` and `target_version` say where the load left its target (the table named
by the `task` widget, and its Delta version read after the failure), each null when it cannot be
read; `rows_written` is null, as a failed load's rows are not counted.

Reading it (`outcome_from_exit_value`): no value at all is a notebook that ran to its end (a
notebook that raises reaches the parent as an exception, never as an empty value), so SUCCESS
without a load report. An object with a valid `status` and no `contract` is the form loaders
wrote before contract 1, still read. Anything else (plain text, a list, a cut value, an unknown
status or contract, a field of the wrong type) is FAILED with a message saying what was wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from medallion_orchestrator.tasks import (
    SUCCEEDED,
    TRACEBACK_LIMIT,
    LoadReport,
    TaskOutcome,
    TaskStatus,
    outcome_from_exception,
)

__all__ = [
    "CONTRACT",
    "TRACEBACK_LIMIT",
    "failure_value",
    "outcome_from_exit_value",
    "success_value",
]

CONTRACT = 1
EXIT_VALUE_LIMIT = 5 * 1024 * 1024  # Databricks returns at most the first 5 MB of an exit value
_TYPES: dict[str, tuple[type, ...]] = {
    "message": (str,),
    "transient": (bool,),
    "target": (str, type(None)),
    "rows_written": (int, type(None)),
    "target_version": (int, type(None)),
    "error_class": (str, type(None)),
    "traceback": (str, type(None)),
    "build": (dict, type(None)),
}
Loaded = LoadReport | Mapping[str, Any] | None


def success_value(loaded: Loaded = None) -> str:
    fields = loaded.fields() if isinstance(loaded, LoadReport) else dict(loaded or {})
    unchanged = isinstance(loaded, LoadReport) and loaded.up_to_date
    status = TaskStatus.UP_TO_DATE if unchanged else TaskStatus.SUCCESS
    return json.dumps(
        {"contract": CONTRACT, "status": status.value, **fields, "transient": False}, default=str
    )


def failure_value(error: BaseException, left: LoadReport | None = None) -> str:
    """The exit value of a load that raised `error`, leaving its target as `left` says."""
    outcome = outcome_from_exception(error)
    left = left or LoadReport()
    return json.dumps(
        {
            "contract": CONTRACT,
            "status": TaskStatus.FAILED.value,
            "error_class": outcome.error_class,
            "message": outcome.message,
            "traceback": outcome.error,
            "transient": outcome.transient,
            "target": left.target,
            "rows_written": None,
            "target_version": left.target_version,
        }
    )


def outcome_from_exit_value(value: str | None) -> TaskOutcome:
    if value is None or value == "":
        return TaskOutcome(TaskStatus.SUCCESS, "notebook ended without an exit value")
    try:
        fields = json.loads(value)
    except json.JSONDecodeError:
        return _not_the_contract(value)
    if not isinstance(fields, dict):
        return _not_the_contract(value)
    return _outcome(fields)


def _outcome(fields: dict[str, Any]) -> TaskOutcome:
    contract = fields.pop("contract", None)
    if contract not in (None, CONTRACT):
        return _refused(f"exit value of contract {contract!r}; this orchestrator reads {CONTRACT}")
    if "status" not in fields:
        return _refused(f"exit value has no status: {_short(json.dumps(fields))}")
    status = fields.pop("status")
    if status not in (*SUCCEEDED, TaskStatus.FAILED, TaskStatus.TIMED_OUT):
        return _refused(f"exit value has an unknown status {status!r}")
    wrong = [
        name for name, types in _TYPES.items() if name in fields and not _is(fields[name], types)
    ]
    if wrong:
        return _refused(f"exit value field(s) of the wrong type: {', '.join(wrong)}")
    message = fields.pop("message", "")
    typed = {
        name: fields.pop(name, None)
        for name in ("target", "rows_written", "target_version", "build")
    }
    error = fields.pop("traceback", None) or fields.pop("error", None)
    error_class = fields.pop("error_class", None)
    transient = fields.pop("transient", False) and status == TaskStatus.FAILED
    has_load = any(value is not None for value in typed.values())
    return TaskOutcome(
        TaskStatus(status),
        message,
        error,
        output=fields,
        error_class=error_class,
        transient=transient,
        load=(
            LoadReport(**typed, message=message, up_to_date=status == TaskStatus.UP_TO_DATE)
            if has_load
            else None
        ),
    )


def _is(value: Any, types: tuple[type, ...]) -> bool:
    """isinstance, where a bool is not an int."""
    return isinstance(value, types) and (bool in types or not isinstance(value, bool))


def _not_the_contract(value: str) -> TaskOutcome:
    if len(value.encode("utf-8", "replace")) >= EXIT_VALUE_LIMIT:
        return _refused(
            f"exit value of {len(value)} characters was cut at Databricks' 5 MB limit: "
            f"{_short(value)}"
        )
    return _refused(
        f"notebook exited with a value that is not the exit-value contract: {_short(value)} "
        "(end it with medallion_orchestrator.exit_value.run_and_exit; see docs/loaders.md)"
    )


def _refused(message: str) -> TaskOutcome:
    return TaskOutcome(TaskStatus.FAILED, message, error_class="ExitValueError")


def _short(text: str) -> str:
    return repr(text[:200]) + ("..." if len(text) > 200 else "")
