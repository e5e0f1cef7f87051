"""The Delta Lake jars: fetched by Spark's own resolver once into a cache, then used as files.

The first start resolves `io.delta:delta-spark_2.13` (the version delta-spark pins) through
`spark.jars.packages`; later starts find the jars in the cache and skip resolution entirely.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from medallion_orchestrator import variables


def ivy_dir() -> Path:
    if explicit := variables.jars_cache():
        return explicit
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "medallion" / "ivy"


def delta_version() -> str:
    from importlib.metadata import version

    return version("delta-spark")


def cached_jars(cache: Path, delta: str) -> list[Path]:
    jars = sorted((cache / "jars").glob("*.jar"))
    wanted = f"io.delta_delta-spark_2.13-{delta}.jar"
    return jars if any(jar.name == wanted for jar in jars) else []


def with_delta_jars(builder: Any, configure_with_pip: Callable[[Any], Any]) -> Any:
    cache = ivy_dir()
    jars = cached_jars(cache, delta_version())
    if jars:
        return builder.config("spark.jars", ",".join(str(jar) for jar in jars))
    cache.mkdir(parents=True, exist_ok=True)
    return configure_with_pip(builder.config("spark.jars.ivy", str(cache)))
