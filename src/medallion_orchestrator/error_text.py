"""One line for an error: Spark's error class and message, in the user's names.

Spark's messages run to several lines (hints, SQLSTATE, the plan); a person needs the first, with
its class: `[SCHEMA_NOT_FOUND] The schema `dev_bronze`.`crm` cannot be found. ...`.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from medallion_orchestrator.runtime.user_names import user_names

_TAIL = re.compile(r"(?:\s*SQLSTATE: \w+)?(?:;? line \d+ pos \d+)?;?\s*$")


def error_class(error: BaseException) -> str | None:
    condition = getattr(error, "getCondition", None)
    try:
        return str(condition()) if callable(condition) and condition() else None
    except Exception:
        return None


def one_line(error: BaseException, catalogs: Collection[str] | None = None) -> str:
    """`[CLASS] first line of the message`, or `TypeName: first line` for other errors."""
    text = str(error).strip()
    first = next((line for line in text.splitlines() if line.strip()), "")
    first = _TAIL.sub("", first)
    condition = error_class(error)
    if condition:
        prefix = f"[{condition}]"
        first = first if first.startswith(prefix) else f"{prefix} {first}"
    elif not first:
        first = type(error).__name__
    elif not _names_itself(error, first):
        first = f"{type(error).__name__}: {first}"
    return user_names(first, catalogs)


def _names_itself(error: BaseException, first: str) -> bool:
    """Our own errors read as sentences; a bare KeyError('x') does not."""
    return type(error).__module__.startswith("medallion_orchestrator") or first.startswith("[")
