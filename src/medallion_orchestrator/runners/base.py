"""What every runner shares: the Runner protocol, and reading a notebook run's end.

A notebook run ends with its exit value (`exit_value` reads it), or with the exception
`dbutils.notebook.run` raises when the child timed out or raised anyway. Databricks puts no cause
in that exception ("Workload failed, see run output for details"), so the result says so.
"""

from __future__ import annotations

from collections.abc import Callable

from medallion_orchestrator.exit_contract import outcome_from_exit_value
from medallion_orchestrator.tasks import (
    NotebookTask,
    Runner,
    TaskOutcome,
    TaskStatus,
    first_line,
    outcome_from_exception,
)
from medallion_orchestrator.transient import is_timeout

__all__ = ["Runner", "notebook_outcome", "outcome_from_exit_value"]


def notebook_outcome(task: NotebookTask, run: Callable[[], str | None]) -> TaskOutcome:
    """The outcome of `run()`, a dbutils.notebook.run-like call of the task's notebook."""
    try:
        value = run()
    except Exception as error:
        if is_timeout(error):
            return outcome_from_exception(error, TaskStatus.TIMED_OUT)
        message = (
            f"notebook {task.notebook} failed and did not report its error in its exit value "
            f"(see its run output; end it with run_and_exit to report it): {first_line(error)}"
        )
        return outcome_from_exception(error, message=message)
    return outcome_from_exit_value(value)
