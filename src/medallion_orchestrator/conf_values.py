"""Settings read from conf/*.yml, each checked against the kind of value it takes.

Every problem of an entry is collected, as validation collects a metadata row's, so that one edit
fixes them all: `max_workers: "5"` is named here instead of failing later as a TypeError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Kind(Enum):
    TEXT = "text"
    WHOLE_NUMBER = "a whole number"
    NUMBER = "a number"
    NAME_MAP = "a mapping of names to names"
    MAPPING = "a mapping"
    NAME_LIST = "a list of names"


@dataclass(frozen=True)
class Setting:
    kind: Kind
    minimum: float | None = None
    positive: bool = False  # more than 0
    required: bool = False
    optional: bool = False  # null is accepted


def problems_of(values: Mapping[str, Any], settings: Mapping[str, Setting]) -> list[str]:
    """Each unknown key, missing required key and value of the wrong kind, in the file's order."""
    known = ", ".join(settings)
    found = [f"unknown setting `{key}` (known: {known})" for key in values if key not in settings]
    for key, setting in settings.items():
        if key not in values:
            if setting.required:
                found.append(f"`{key}` is required")
            continue
        if problem := _problem(values[key], setting):
            found.append(f"`{key}` {problem}")
    return found


def _problem(value: Any, setting: Setting) -> str | None:
    if value is None:
        return None if setting.optional else f"must be {setting.kind.value}, not empty"
    if not _is(value, setting.kind):
        quoted = " (written in quotes)" if isinstance(value, str) and _numeric(value) else ""
        return f"must be {setting.kind.value}, not {value!r}{quoted}"
    if setting.minimum is not None and value < setting.minimum:
        return f"must be at least {setting.minimum:g}, not {value!r}"
    if setting.positive and value <= 0:
        return f"must be more than 0, not {value!r}"
    return None


def _is(value: Any, kind: Kind) -> bool:
    if kind is Kind.TEXT:
        return isinstance(value, str)
    if kind is Kind.WHOLE_NUMBER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is Kind.NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is Kind.NAME_MAP:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
    if kind is Kind.NAME_LIST:
        return isinstance(value, list) and all(isinstance(name, str) for name in value)
    return isinstance(value, dict)


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
