"""Starting a home's server: one, however many commands ask for it at the same moment."""

from __future__ import annotations

import fcntl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from medallion_orchestrator import variables
from medallion_orchestrator.errors import EnvironmentProblem
from medallion_orchestrator.server.address import (
    fingerprint,
    server_log,
    socket_path,
    start_lock,
)
from medallion_orchestrator.server.channel import Message
from medallion_orchestrator.server.client import ask

START_SECONDS = 600  # a first start may fetch the Delta jars
STOP_SECONDS = 120  # a run that is stopped records its attempts first
ERROR = "error: "  # how the server's last log line begins when it could not start


class ServerDidNotStart(EnvironmentProblem):
    """The server failed where the command itself may not: a command can run without it."""


def launch(
    home: Path, replace_stale: bool = False, announce: Callable[[Message | None], None] = print
) -> tuple[Message, bool]:
    """The status of the home's server, and whether this call started it. `replace_stale`: an
    idle server on other code or JVM settings is stopped and started again. `announce` hears of a
    start (with the stale server's status) before it begins. A server that cannot start raises
    EnvironmentProblem: its own one-line error (Java, the jars), else ServerDidNotStart."""
    variables.server_idle_minutes()  # a wrong value is the command's error, not the server's
    try:
        socket_path(home)
    except PermissionError as unsafe:
        raise ServerDidNotStart(f"the server cannot listen safely: {unsafe}") from None
    with _only_starter(home):
        running = ask(home, "status")
        if running is not None and not (replace_stale and stale(running)):
            return running, False
        announce(running)
        if running is not None:
            stop_and_wait(home)
        return _start(home), True


def stop_and_wait(home: Path) -> Message | None:
    """The stopped server's last status; None when none ran."""
    answer = ask(home, "stop")
    if answer is None:
        return None
    began = time.monotonic()
    while ask(home, "status") is not None:
        if time.monotonic() - began > STOP_SECONDS:
            raise EnvironmentProblem(f"the server (pid {answer['pid']}) did not stop in time")
        time.sleep(0.2)
    return answer


def stale(status: Message) -> bool:
    """An idle server on other code or JVM settings than this process's."""
    return status["fingerprint"] != fingerprint() and not status["busy"]


@contextmanager
def _only_starter(home: Path) -> Iterator[None]:
    """Held while a server starts: a second command waits, then finds it running."""
    with start_lock(home).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _start(home: Path) -> Message:
    log = server_log(home)
    log.parent.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "medallion_orchestrator.server", "--home", str(home.resolve())],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the terminal's Ctrl-C is for the command, not the server
        )
    while (status := ask(home, "status")) is None:
        if process.poll() is not None:
            raise _why_not(log)
        if time.monotonic() - began > START_SECONDS:
            process.terminate()
            raise ServerDidNotStart(f"the server did not start in {START_SECONDS} s (log: {log})")
        time.sleep(0.2)
    return status


def _why_not(log: Path) -> EnvironmentProblem:
    """The server's own one-line error (Java, the jars), else its last line and the log."""
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    last = lines[-1] if lines else "no output"
    if last.startswith(ERROR):
        return EnvironmentProblem(last.removeprefix(ERROR))
    return ServerDidNotStart(f"the server did not start: {last} (log: {log})")
