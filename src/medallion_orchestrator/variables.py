"""The environment variables medallion reads: each is named and read here, and nowhere else."""

from __future__ import annotations

import os
from pathlib import Path

from medallion_orchestrator.errors import ConfigError

HOME = "MEDALLION_HOME"  # the local lakehouse folder (default: .medallion in the project)
PROJECT_DIR = "MEDALLION_PROJECT_DIR"  # the folder holding conf/, notebooks/ and metadata/
ENVIRONMENT = "MEDALLION_ENV"  # the environment of conf/environments.yml
VERBOSE = "MEDALLION_VERBOSE"  # set: the JVM's own output is shown, not kept in logs/spark.log
JARS_CACHE = "MEDALLION_JARS_CACHE"  # where the Delta Lake jars are kept once fetched
CLASS_ARCHIVE = "MEDALLION_CLASS_ARCHIVE"  # 0: no class-data-sharing archive
DRIVER_MEMORY = "MEDALLION_DRIVER_MEMORY"  # the local JVM's heap, as Spark writes it (2g)
# full: a command's own JVM has the optimizing compiler too (long, heavy loads), as a server
# always has; quick: not even a server (homes that live for a command or two: CI)
JIT = "MEDALLION_JIT"
SERVER = "MEDALLION_SERVER"  # auto (default), manual or off: see server_mode()
SERVER_IDLE = "MEDALLION_SERVER_IDLE_MINUTES"  # a server stops after this long without a command
SERVER_WARM_UP = "MEDALLION_SERVER_WARM_UP"  # 0: a server does not warm up (short-lived homes)

# What a local JVM is started with: a server started with other values is not this command's JVM.
JVM_SETTINGS = (
    DRIVER_MEMORY,
    JIT,
    CLASS_ARCHIVE,
    JARS_CACHE,
    "JAVA_HOME",
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "PYSPARK_SUBMIT_ARGS",
    "SPARK_HOME",
)
SERVER_MODES = ("auto", "manual", "off")
DEFAULT_IDLE_MINUTES = 30.0


def home() -> Path | None:
    return _path(HOME)


def project_dir() -> Path | None:
    return _path(PROJECT_DIR)


def environment() -> str | None:
    return os.environ.get(ENVIRONMENT) or None


def verbose() -> bool:
    return bool(os.environ.get(VERBOSE))


def show_jvm_output() -> None:
    """From here on, this process and the processes it starts show the JVM's output."""
    os.environ[VERBOSE] = "1"


def jars_cache() -> Path | None:
    return _path(JARS_CACHE)


def class_archive_wanted() -> bool:
    return os.environ.get(CLASS_ARCHIVE) != "0"


def driver_memory() -> str:
    return os.environ.get(DRIVER_MEMORY) or "2g"


def full_jit() -> bool:
    return os.environ.get(JIT) == "full"


def quick_jit() -> bool:
    return os.environ.get(JIT) == "quick"


def jvm_settings() -> dict[str, str]:
    return {name: os.environ[name] for name in JVM_SETTINGS if os.environ.get(name)}


def server_mode() -> str:
    """auto: a command runs in its home's server, started first when none runs; manual: in a
    server only when one was started; off: always in a JVM of its own."""
    value = (os.environ.get(SERVER) or "auto").strip().lower()
    if value not in SERVER_MODES:
        raise ConfigError(f"{SERVER} must be one of {', '.join(SERVER_MODES)}, not {value!r}")
    return value


def server_warm_up() -> bool:
    """Whether a server runs its warm-up beside its first commands (server/warm_up.py)."""
    return os.environ.get(SERVER_WARM_UP) != "0"


def server_idle_minutes() -> float:
    value = os.environ.get(SERVER_IDLE)
    if not value:
        return DEFAULT_IDLE_MINUTES
    try:
        minutes = float(value)
    except ValueError:
        minutes = -1.0
    if minutes <= 0:
        raise ConfigError(f"{SERVER_IDLE} must be a number of minutes above 0, not {value!r}")
    return minutes


def _path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None
