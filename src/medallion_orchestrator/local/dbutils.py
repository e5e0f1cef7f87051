"""A faithful local `dbutils`: widgets, notebook.exit and nested notebook.run.

Behaves as Databricks does: arguments given to `notebook.run` override widget defaults,
`widgets.get` of a widget neither defined nor passed raises, `notebook.exit` ends the notebook
with a string value, and `notebook.run` raises when the child fails or times out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


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


class Widgets:
    def __init__(self, arguments: Mapping[str, str]) -> None:
        self._arguments = dict(arguments)
        self._defaults: dict[str, str] = {}

    def text(self, name: str, defaultValue: str = "", label: str | None = None) -> None:
        self._defaults[name] = str(defaultValue)

    def dropdown(
        self,
        name: str,
        defaultValue: str,
        choices: list[str],
        label: str | None = None,
    ) -> None:
        if defaultValue not in choices:
            raise ValueError(f"widget {name!r}: default {defaultValue!r} is not one of {choices}")
        self._defaults[name] = defaultValue

    combobox = dropdown

    def multiselect(
        self,
        name: str,
        defaultValue: str,
        choices: list[str],
        label: str | None = None,
    ) -> None:
        self._defaults[name] = defaultValue

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
        self._defaults.pop(name, None)

    def removeAll(self) -> None:
        self._defaults.clear()


RunChild = Callable[[str, int, Mapping[str, str]], "str | None"]


class NotebookUtils:
    def __init__(self, run_child: RunChild) -> None:
        self._run_child = run_child

    def exit(self, value: Any) -> None:
        raise NotebookExit(value if isinstance(value, str) else str(value))

    def run(
        self, path: str, timeout_seconds: int, arguments: Mapping[str, str] | None = None
    ) -> str:
        if not isinstance(timeout_seconds, int) or timeout_seconds < 0:
            raise ValueError(f"timeout_seconds must be a non-negative int, got {timeout_seconds!r}")
        arguments = arguments or {}
        bad = [key for key, value in arguments.items() if not isinstance(value, str)]
        if bad:
            raise TypeError(f"notebook.run arguments must be strings: {', '.join(bad)}")
        value = self._run_child(path, timeout_seconds, arguments)
        return "" if value is None else value


class LocalDbutils:
    """What a notebook sees as `dbutils` when it runs locally."""

    def __init__(self, arguments: Mapping[str, str], run_child: RunChild) -> None:
        self.widgets = Widgets(arguments)
        self.notebook = NotebookUtils(run_child)
