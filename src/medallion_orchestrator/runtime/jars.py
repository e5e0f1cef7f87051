"""The Delta Lake jars: fetched by Spark's own resolver once into a cache, then used as files.

The first start resolves `io.delta:delta-spark_<Spark major.minor>_2.13` (the version delta-spark
pins) through `spark.jars.packages`; later starts find the jars in the cache and skip resolution
entirely.
Ivy's downloads are not safe for two processes at once, so one process resolves at a time: a
second first start waits for the first, then uses its files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from medallion_orchestrator import variables

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; first starts there are one at a time
    fcntl = None  # type: ignore[assignment]


def ivy_dir() -> Path:
    if explicit := variables.jars_cache():
        return explicit
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "medallion" / "ivy"


def delta_version() -> str:
    from importlib.metadata import version

    return version("delta-spark")


def complete_jars(cache: Path, delta: str) -> list[Path]:
    """The jars a finished resolution of this Delta version wrote, while all of them are there."""
    try:
        names = _finished(cache, delta).read_text().split()
    except FileNotFoundError:
        return []
    jars = [cache / "jars" / name for name in names]
    return jars if jars and all(jar.is_file() for jar in jars) else []


@contextmanager
def delta_jars(builder: Any, configure_with_pip: Callable[[Any], Any]) -> Iterator[Any]:
    """`builder` with the Delta jars, for starting Spark inside the block: the cached files, or
    Spark's resolver, holding the cache's lock until the block has started Spark."""
    cache = ivy_dir()
    cache.mkdir(parents=True, exist_ok=True)
    delta = delta_version()
    with _locked(cache):
        if not (jars := complete_jars(cache, delta)):
            yield configure_with_pip(builder.config("spark.jars.ivy", str(cache)))
            _remember_resolved(cache, delta)
            return
    yield builder.config("spark.jars", ",".join(str(jar) for jar in jars))


def _finished(cache: Path, delta: str) -> Path:
    return cache / "jars" / f".resolved-delta-{delta}"


def _remember_resolved(cache: Path, delta: str) -> None:
    """The jars the resolver gave the session just started (its `spark.jars`), by name."""
    from pyspark import SparkContext

    context = SparkContext._active_spark_context
    if context is None:
        return
    resolved = context.getConf().get("spark.jars", "") or ""
    names = [Path(jar.removeprefix("file:")).name for jar in resolved.split(",") if jar]
    _finished(cache, delta).write_text("\n".join(names) + "\n")


@contextmanager
def _locked(cache: Path) -> Iterator[None]:
    with (cache / ".resolving.lock").open("w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield
