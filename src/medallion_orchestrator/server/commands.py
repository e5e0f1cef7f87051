"""`medallion server start | stop | status`."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from medallion_orchestrator.errors import EnvironmentProblem
from medallion_orchestrator.server.address import code_fingerprint, server_log, socket_path
from medallion_orchestrator.server.channel import Message
from medallion_orchestrator.server.client import ask

START_SECONDS = 600  # a first start may fetch the Delta jars
STOP_SECONDS = 120  # a run that is stopped records its attempts first


def start(home: Path) -> int:
    try:
        socket_path(home)
    except PermissionError as unsafe:
        raise EnvironmentProblem(f"the server cannot listen safely: {unsafe}") from None
    if (running := ask(home, "status")) is not None:
        older = running["fingerprint"] != code_fingerprint()
        print(
            f"a server already runs for {home} (pid {running['pid']})"
            + (", on the code it started with: stop it, then start it again" if older else "")
        )
        return 0
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
            raise EnvironmentProblem(f"the server did not start: {_last_line(log)} (log: {log})")
        if time.monotonic() - began > START_SECONDS:
            process.terminate()
            raise EnvironmentProblem(f"the server did not start in {START_SECONDS} s (log: {log})")
        time.sleep(0.2)
    print(
        f"server ready for {home} (pid {status['pid']}, {time.monotonic() - began:.1f} s): "
        "commands on this home run in it; medallion server stop stops it"
    )
    return 0


def stop(home: Path) -> int:
    answer = ask(home, "stop")
    if answer is None:
        print(f"no server runs for {home}")
        return 0
    if answer["busy"]:
        print(f"stopping `{_command(answer)}` first, as SIGTERM stops it")
    began = time.monotonic()
    while ask(home, "status") is not None:
        if time.monotonic() - began > STOP_SECONDS:
            raise EnvironmentProblem(f"the server (pid {answer['pid']}) did not stop in time")
        time.sleep(0.2)
    print(f"server stopped (pid {answer['pid']}, {answer['served']} command(s) run)")
    return 0


def status(home: Path) -> int:
    answer = ask(home, "status")
    if answer is None:
        print(f"no server runs for {home}")
        return 1
    minutes = (time.time() - answer["started"]) / 60
    doing = f"running `{_command(answer)}`" if answer["busy"] else "idle"
    print(
        f"server for {answer['home']}: pid {answer['pid']}, up {minutes:.0f} min, "
        f"{answer['served']} command(s) run, {doing}"
    )
    return 0


def _command(answer: Message) -> str:
    return " ".join(["medallion", *answer["busy"]])


def _last_line(log: Path) -> str:
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
