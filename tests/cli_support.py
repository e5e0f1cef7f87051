"""The `medallion` command run as a user runs it: a new process each time, from the project; or,
where a new process proves nothing more, in this process on its Spark session (`in_process`)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from medallion_orchestrator import variables

ROOT = Path(__file__).resolve().parents[1]
# Each command is a new JVM doing little work on a few rows: with Spark's expressions interpreted
# instead of compiled to Java a demo takes a quarter less time (each query's code was compiled once
# and used once). Users' JVMs compile them, and so do the test session's modules marked `codegen`
# (tests/conftest.py). The JIT is the product's own (runtime/local_spark.QUICK_JIT): a test's JVM
# is no kinder than a user's.
QUICK_JVM = {
    "JAVA_TOOL_OPTIONS": " ".join(
        (
            "-Dspark.sql.codegen.wholeStage=false",
            "-Dspark.sql.codegen.factoryMode=NO_CODEGEN",
        )
    )
}


# The test process runs `medallion` in itself with no server (tests/conftest.py); the processes
# it starts run as a user's do, in their home's server, started by the first command, unless a
# test passes server="off": the command's own JVM.
SERVER_IDLE_MINUTES = "10"  # a server a test leaves behind stops (tests/conftest.py stops them)


def child_environment(
    server: str = "auto", warm_up: bool = False, jit: str = "quick", **extra: str
) -> dict[str, str]:
    """The environment of a `medallion` process started by a test. Most test homes live for a
    few commands, as a CI job's may: the server one starts has the quick JIT compiler only
    (MEDALLION_JIT=quick) and, but for the README's flows (`warm_up`), no warm-up beside its first
    commands (MEDALLION_SERVER_WARM_UP=0). Each cost a server of three commands 13 to 14 CPU
    seconds more (docs/benchmarks.md). A home whose server runs whole layers for minutes, as a
    user's does, passes `jit="full"`, the default: the JIT is in the server's fingerprint, so every
    command of one home must pass the same."""
    return {
        **os.environ,
        "COLUMNS": "200",
        **QUICK_JVM,
        variables.SERVER: server,
        variables.SERVER_IDLE: SERVER_IDLE_MINUTES,
        variables.JIT: jit,
        **({} if warm_up else {variables.SERVER_WARM_UP: "0"}),
        **extra,
    }


def medallion(
    home: Path,
    *args: str,
    stdin: str | None = None,
    cwd: Path = ROOT,
    server: str = "auto",
    warm_up: bool = False,
    jit: str = "quick",
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "medallion_orchestrator", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        timeout=900,
        check=False,
        env=child_environment(server, warm_up, jit),
    )


@dataclass(frozen=True)
class Completed:
    """What a `medallion` command returned and printed (as subprocess.CompletedProcess)."""

    returncode: int
    stdout: str
    stderr: str


def in_process(home: Path, *args: str, stdin: str | None = None) -> Completed:
    """`medallion ARGS --home HOME` in this process: on the session already started for `home`
    (the `spark` fixture's, for `lakehouse_home`), so no JVM starts."""
    from medallion_orchestrator.cli import main

    out, err = io.StringIO(), io.StringIO()
    columns = mock.patch.dict(os.environ, {"COLUMNS": "200"})
    with redirect_stdout(out), redirect_stderr(err), _standard_input(stdin), columns:
        code = main([*args, "--home", str(home)])
    return Completed(code, out.getvalue(), err.getvalue())


@contextmanager
def _standard_input(text: str | None) -> Iterator[None]:
    if text is None:
        yield
        return
    with mock.patch("sys.stdin", io.StringIO(text)):
        yield


def stop_servers_under(folder: Path) -> list[Path]:
    """Stops every server whose home is inside `folder`; the homes they served."""
    from medallion_orchestrator.server.address import servers_folder
    from medallion_orchestrator.server.client import answer, connect_at
    from medallion_orchestrator.server.launch import stop_and_wait

    stopped = []
    for path in sorted(servers_folder().glob("*.sock")):
        status = answer(connect_at(path), "status")
        if status is not None and Path(status["home"]).is_relative_to(folder.resolve()):
            stop_and_wait(Path(status["home"]))
            stopped.append(Path(status["home"]))
    return stopped
