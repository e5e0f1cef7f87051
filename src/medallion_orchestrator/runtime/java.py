"""Checks that a Java Spark 4 can use is there, before the JVM prints a stack trace."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from medallion_orchestrator.errors import EnvironmentProblem

SUPPORTED_JAVA = (17, 21)


def java_executable() -> Path:
    if java_home := os.environ.get("JAVA_HOME"):
        candidate = Path(java_home) / "bin" / "java"
        if not candidate.is_file():
            raise EnvironmentProblem(
                f"JAVA_HOME={java_home} holds no bin/java; install Java 17 or 21"
            )
        return candidate
    found = shutil.which("java")
    if found is None:
        raise EnvironmentProblem("Java not found: install Java 17 or 21 (or set JAVA_HOME)")
    return Path(found)


def java_major_version(java: Path) -> int:
    try:
        completed = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as error:
        raise EnvironmentProblem(f"cannot run {java}: {error}") from None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', completed.stderr + completed.stdout)
    if match is None:
        raise EnvironmentProblem(f"cannot read the version of {java}; install Java 17 or 21")
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 and match.group(2) else major


def check_java() -> int:
    java = java_executable()
    major = java_major_version(java)
    if major not in SUPPORTED_JAVA:
        raise EnvironmentProblem(
            f"Spark 4 needs Java 17 or 21, found Java {major} at {java}; "
            "set JAVA_HOME to a Java 17 or 21"
        )
    return major
