"""`medallion server start | stop | status`."""

from __future__ import annotations

import time
from pathlib import Path

from medallion_orchestrator.errors import EnvironmentProblem
from medallion_orchestrator.server.address import fingerprint, server_log
from medallion_orchestrator.server.channel import Message
from medallion_orchestrator.server.client import ask
from medallion_orchestrator.server.launch import launch, stop_and_wait


def start(home: Path) -> int:
    began = time.monotonic()
    status, started = launch(home, announce=lambda _: None)
    if started:
        status = _warmed(home, status)
    if not started:
        older = status["fingerprint"] != fingerprint()
        print(
            f"a server already runs for {home} (pid {status['pid']})"
            + (
                ", on the code and JVM settings it started with: stop it, then start it again"
                if older
                else ""
            )
        )
        return 0
    print(
        f"server ready for {home} (pid {status['pid']}, {time.monotonic() - began:.1f} s): "
        f"commands on this home run in it; it stops after {_minutes(status)} idle minutes, "
        "or with medallion server stop"
    )
    return 0


def _warmed(home: Path, status: Message) -> Message:
    """Once the server has run a Delta write, MERGE and read, as the first commands will."""
    while not status["warm"]:
        time.sleep(0.2)
        if (current := ask(home, "status")) is None:
            log = server_log(home)
            raise EnvironmentProblem(f"the server stopped as it warmed up (log: {log})")
        status = current
    return status


def stop(home: Path) -> int:
    answer = ask(home, "status")
    if answer is None:
        print(f"no server runs for {home}")
        return 0
    if answer["busy"]:
        print(f"stopping `{_command(answer)}` first, as SIGTERM stops it")
    stopped = stop_and_wait(home) or answer
    print(f"server stopped (pid {stopped['pid']}, {stopped['served']} command(s) run)")
    return 0


def status(home: Path) -> int:
    answer = ask(home, "status")
    if answer is None:
        print(f"no server runs for {home}")
        return 1
    minutes = (time.time() - answer["started"]) / 60
    doing = f"running `{_command(answer)}`" if answer["busy"] else "idle"
    doing += f"; it stops after {_minutes(answer)} idle minutes"
    print(
        f"server for {answer['home']}: pid {answer['pid']}, up {minutes:.0f} min, "
        f"{answer['served']} command(s) run, {doing}"
    )
    return 0


def _command(answer: Message) -> str:
    return " ".join(["medallion", *answer["busy"]])


def _minutes(status: Message) -> str:
    return f"{status['idle_minutes']:g}"
