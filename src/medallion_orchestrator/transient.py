"""The one classifier of errors: which are worth another attempt, and what kind they are.

Contract, one decision per function:
- `is_transient`: worth another attempt of the same task. True for a Delta concurrent-modification
  conflict, a lost Spark executor, a restarting driver, Databricks throttling or unavailability
  (429, 503, TEMPORARILY_UNAVAILABLE) and a Databricks API error worth calling again
  (`is_transient_api_error`); false for anything else (a wrong column, a NULL key, a missing
  table).
- `is_transient_api_error`: a databricks-sdk error worth calling again (429, 500, 502, 503, 504;
  not DATA_LOSS), read by its type, as the SDK raises it.
- `is_concurrent_conflict`: a Delta commit lost to a concurrent one.
- `is_creation_race`: a table or schema created by another process at the same moment.
- `is_timeout`: what `dbutils.notebook.run` raises for a child past its timeout.
- `reported_error_class`: the class a reported error names on its first line.

An exception is read by its class names, error conditions and messages, its causes' too; a text
as Delta, Spark and Databricks write it. It imports nothing from this package.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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
# Another process creating the same table or schema (its folder has no commit yet, or it
# committed first): trying again finds the table made.
_CREATION_RACE = re.compile(
    r"DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION|DELTA_CREATE_EXTERNAL_TABLE_WITHOUT_TXN_LOG"
    r"|TABLE_OR_VIEW_ALREADY_EXISTS|SCHEMA_ALREADY_EXISTS|FileAlreadyExistsException"
)
_TIMEOUT_MARKERS = ("timed out", "timedout")
# An API error answered without a JSON body (a proxy's 502 or 504) carries its HTTP reason.
_TRANSIENT_API_CODES = {"BAD_GATEWAY", "SERVICE_UNAVAILABLE", "GATEWAY_TIMEOUT"}
# `[DELTA_...]`, or an exception's (dotted) name followed by a colon
_REPORTED_CLASS = re.compile(r"\s*(?:\[([A-Z0-9_.]+)\]|(?:[\w.]+\.)?(\w+(?:Exception|Error)):)")


def is_transient(error: BaseException | str) -> bool:
    text = _text(error)
    if _CONFLICT.search(text) or _OTHER.search(text):
        return True
    return not isinstance(error, str) and any(map(is_transient_api_error, _chain(error)))


def is_transient_api_error(error: BaseException) -> bool:
    """Also the SDK's TimeoutError once its own retries of a 429 or 503 are spent."""
    if isinstance(error, TimeoutError) and error.__cause__ is not None:
        error = error.__cause__
    if not type(error).__module__.startswith("databricks.sdk"):
        return False
    from databricks.sdk import errors

    if isinstance(error, errors.DataLoss):
        return False
    retryable = (
        errors.TooManyRequests,
        errors.TemporarilyUnavailable,
        errors.DeadlineExceeded,
        errors.InternalError,
    )
    if isinstance(error, retryable):
        return True
    return isinstance(error, errors.DatabricksError) and error.error_code in _TRANSIENT_API_CODES


def is_concurrent_conflict(error: BaseException | str) -> bool:
    """Trying again against the new version may pass."""
    return bool(_CONFLICT.search(_text(error)))


def is_creation_race(error: BaseException | str) -> bool:
    return is_concurrent_conflict(error) or bool(_CREATION_RACE.search(_text(error)))


def is_timeout(error: BaseException | str) -> bool:
    text = str(error).lower()
    return any(marker in text for marker in _TIMEOUT_MARKERS)


def reported_error_class(text: str) -> str | None:
    """`DELTA_CONCURRENT_APPEND.WITHOUT_HINT`, `AnalysisException`..., from the text's start."""
    match = _REPORTED_CLASS.match(text)
    return (match.group(1) or match.group(2)) if match else None


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The exception and its causes, a few levels."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _text(error: BaseException | str) -> str:
    """Class names, conditions and messages of an exception and its causes, or the text."""
    if isinstance(error, str):
        return error
    parts = []
    for current in _chain(error):
        names = " ".join(cls.__name__ for cls in type(current).__mro__)
        parts.append(f"{names} {_condition(current)} {current}")
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
