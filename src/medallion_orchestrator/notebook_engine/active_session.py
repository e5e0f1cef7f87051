"""pyspark's active session in a local notebook: the notebook's own, as on Databricks.

On Databricks a notebook has a Python process of its own, so `SparkSession.getActiveSession()`,
`SparkSession.active()` and `SparkSession.builder.getOrCreate()` answer with its `spark`, and
library code called from the notebook finds its temp views and settings. Locally notebooks are
threads of one process: while a notebook's thread runs they answer with its session (a builder's
runtime settings applied to it, as pyspark applies them to an existing session); elsewhere, and
on threads a notebook starts itself, as pyspark does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_notebook = threading.local()
_installed = threading.Lock()
_done = False


@contextmanager
def notebook_session(session: SparkSession) -> Iterator[None]:
    """pyspark's active session on this thread is `session` until the block ends."""
    _install()
    _notebook.session = session
    try:
        yield
    finally:
        _notebook.session = None


def _current() -> SparkSession | None:
    return getattr(_notebook, "session", None)


def _install() -> None:
    """Wrap pyspark's two ways to the active session, once per process."""
    global _done
    with _installed:
        if _done:
            return
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession.__func__  # type: ignore[attr-defined]
        get_or_create = SparkSession.Builder.getOrCreate

        def active_session(cls: type[SparkSession]) -> SparkSession | None:
            own = _current()
            return own if own is not None else active(cls)

        def existing_or_new(builder: Any) -> SparkSession:
            own = _current()
            if own is None:
                return get_or_create(builder)
            module = SparkSession._get_j_spark_session_module(own._jvm)
            module.applyModifiableSettings(own._jsparkSession, builder._options)
            return own

        SparkSession.getActiveSession = classmethod(active_session)  # type: ignore[method-assign,assignment]
        SparkSession.Builder.getOrCreate = existing_or_new  # type: ignore[method-assign]
        _done = True
