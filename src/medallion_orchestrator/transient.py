"""The one classifier of transient errors: those worth another attempt of the same task.

Contract: `is_transient` is true for a Delta concurrent-modification conflict, a lost Spark
executor, a restarting driver and Databricks throttling or unavailability (429, 503,
TEMPORARILY_UNAVAILABLE); false for anything else (a wrong column, a NULL key, a missing table).
It reads an exception's class names (its causes' too) and text, or a text alone, as Delta, Spark
and Databricks write them. It imports nothing from this package.
"""

from __future__ import annotations

import re

# Delta's optimistic-concurrency conflicts: Java/Python class names and Spark error conditions.
_CONFLICT = re.compile(
    r"\bConcurrent(?:Append|DeleteRead|DeleteDelete|Transaction|Write)Exception\b"
    r"|\b(?:MetadataChanged|ProtocolChanged)Exception\b"
    r"|\bDELTA_CONCURRENT_[A-Z_]+|\bDELTA_(?:METADATA|PROTOCOL)_CHANGED\b"
)
_OTHER = re.compile(
    r"\bExecutorLostFailure\b|\bLost executor \d+"
    r"|spark driver has stopped unexpectedly"
    r"|SparkConnectGrpcException.*\bUNAVAILABLE\b"
    r"|\bToo Many Requests\b|\bTooManyRequests\b|\bService Unavailable\b"
    r"|\bHTTP\s*(?:429|503)\b|\bstatus(?: code)?[ :=]*(?:429|503)\b"
    r"|\bTEMPORARILY_UNAVAILABLE\b|\bTemporarilyUnavailable\b|\bREQUEST_LIMIT_EXCEEDED\b",
    re.IGNORECASE,
)


def is_concurrent_conflict(error: BaseException | str) -> bool:
    """A Delta commit lost to a concurrent one: trying again against the new version may pass."""
    return bool(_CONFLICT.search(_text(error)))


def is_transient(error: BaseException | str) -> bool:
    text = _text(error)
    return bool(_CONFLICT.search(text) or _OTHER.search(text))


def _text(error: BaseException | str) -> str:
    """Class names and messages of an exception and its causes (a few levels), or the text."""
    if isinstance(error, str):
        return error
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        names = " ".join(cls.__name__ for cls in type(current).__mro__)
        condition = _condition(current)
        parts.append(f"{names} {condition} {current}")
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def _condition(error: BaseException) -> str:
    """A PySpark error's condition (Spark 4) or error class (Spark 3), e.g. DELTA_CONCURRENT_..."""
    for getter in ("getCondition", "getErrorClass"):
        method = getattr(error, getter, None)
        if callable(method):
            try:
                return str(method() or "")
            except Exception:  # a getter that needs a JVM that is gone
                return ""
    return ""
