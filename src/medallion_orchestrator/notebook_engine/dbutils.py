"""A local `dbutils` as strict as Databricks': widgets, notebook.exit and nested notebook.run.

Follows databricks-sdk's `runtime/dbutils_stub.py` and Databricks' docs: arguments given to
`notebook.run` override widget defaults; `widgets.get` of a widget neither defined nor passed
raises; widget defaults, choices, exit values, run paths and arguments are strings (anything else
raises TypeError); `notebook.run`'s arguments must be given, as a mapping (`{}` for none); a
dropdown's or multiselect's default is one of its choices (a combobox's need not be); removing a
widget that does not exist raises; `timeout_seconds=0` means no timeout; an exit value is cut
at 5 MB, as Databricks returns only its first 5 MB. `notebook.run` raises when the child fails
(without the child's error, see `WORKLOAD_FAILED`) or times out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

logger = logging.getLogger(__name__)

EXIT_VALUE_LIMIT = 5 * 1024 * 1024  # bytes of an exit value Databricks returns
# What dbutils.notebook.run raises on Databricks when the child fails, whatever the cause.
WORKLOAD_FAILED = (
    "com.databricks.WorkflowException: com.databricks.NotebookExecutionException: FAILED: "
    "Workload failed, see run output for details"
)


class InputWidgetNotDefined(Exception):
    pass


class NotebookExit(BaseException):
    """Raised by notebook.exit to stop the notebook; carries its exit value."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


class WorkflowException(Exception):
    """What dbutils.notebook.run raises when the child notebook fails."""


class NotebookTimedOut(WorkflowException):
    pass


def _require_str(value: object, what: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__} {value!r}")


class Widgets:
    def __init__(self, arguments: Mapping[str, str]) -> None:
        self._arguments = dict(arguments)
        self._defaults: dict[str, str] = {}

    def text(self, name: str, defaultValue: str, label: str | None = None) -> None:
        self._define(name, defaultValue)

    def dropdown(
        self, name: str, defaultValue: str, choices: Sequence[str], label: str | None = None
    ) -> None:
        self._define(name, defaultValue, choices, default_is_a_choice=True)

    def combobox(
        self, name: str, defaultValue: str, choices: Sequence[str], label: str | None = None
    ) -> None:
        self._define(name, defaultValue, choices, default_is_a_choice=False)

    def multiselect(
        self, name: str, defaultValue: str, choices: Sequence[str], label: str | None = None
    ) -> None:
        self._define(name, defaultValue, choices, default_is_a_choice=True)

    def get(self, name: str) -> str:
        if name in self._arguments:
            return self._arguments[name]
        if name in self._defaults:
            return self._defaults[name]
        raise InputWidgetNotDefined(f"No input widget named {name} is defined")

    def getArgument(self, name: str, defaultValue: str | None = None) -> str | None:
        try:
            return self.get(name)
        except InputWidgetNotDefined:
            return defaultValue

    def getAll(self) -> dict[str, str]:
        return {**self._defaults, **self._arguments}

    def remove(self, name: str) -> None:
        if name not in self._defaults:
            raise InputWidgetNotDefined(f"No input widget named {name} is defined")
        del self._defaults[name]

    def removeAll(self) -> None:
        self._defaults.clear()

    def _define(
        self,
        name: str,
        default: str,
        choices: Sequence[str] | None = None,
        default_is_a_choice: bool = False,
    ) -> None:
        _require_str(name, "a widget name")
        _require_str(default, f"widget {name!r}: the default")
        if choices is not None:
            if isinstance(choices, str) or not all(isinstance(c, str) for c in choices):
                raise TypeError(f"widget {name!r}: choices must be a list of strings: {choices!r}")
            if default_is_a_choice and default not in choices:
                raise ValueError(
                    f"widget {name!r}: default {default!r} is not one of {list(choices)}"
                )
        self._defaults[name] = default


RunChild = Callable[[str, int, Mapping[str, str]], "str | None"]


class NotebookUtils:
    def __init__(self, run_child: RunChild) -> None:
        self._run_child = run_child

    def exit(self, value: str) -> None:
        _require_str(value, "an exit value")
        encoded = value.encode("utf-8")
        if len(encoded) > EXIT_VALUE_LIMIT:
            logger.warning("exit value of %d bytes cut to Databricks' 5 MB", len(encoded))
            value = encoded[:EXIT_VALUE_LIMIT].decode("utf-8", "ignore")
        raise NotebookExit(value)

    def run(self, path: str, timeout_seconds: int, arguments: Mapping[str, str]) -> str:
        _require_str(path, "a notebook path")
        if isinstance(timeout_seconds, bool) or not isinstance(timeout_seconds, int):
            raise ValueError(f"timeout_seconds must be a non-negative int, got {timeout_seconds!r}")
        if timeout_seconds < 0:
            raise ValueError(f"timeout_seconds must be a non-negative int, got {timeout_seconds!r}")
        if not isinstance(arguments, Mapping):
            raise TypeError(
                "notebook.run arguments must be a mapping of strings (pass {} for none), got "
                f"{type(arguments).__name__} {arguments!r}"
            )
        bad = [
            str(key)
            for key, value in arguments.items()
            if not isinstance(key, str) or not isinstance(value, str)
        ]
        if bad:
            raise TypeError(f"notebook.run arguments must be strings: {', '.join(bad)}")
        value = self._run_child(path, timeout_seconds, arguments)
        return "" if value is None else value


class LocalDbutils:
    """What a notebook sees as `dbutils` when it runs locally."""

    def __init__(self, arguments: Mapping[str, str], run_child: RunChild) -> None:
        self.widgets = Widgets(arguments)
        self.notebook = NotebookUtils(run_child)
