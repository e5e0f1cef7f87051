"""`medallion` as the client of its home's server: the command sent, its output and exit code
given back, and Ctrl-C, SIGTERM and a closed terminal sent on to it. For `medallion shell` on a
terminal, the client shows each prompt, with readline's editing and the home's history, and sends
the line typed."""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import TextIO

from medallion_orchestrator.interrupts import EXIT_INTERRUPTED
from medallion_orchestrator.reader_gone import reader_gone
from medallion_orchestrator.server.address import fingerprint, server_log, socket_path
from medallion_orchestrator.server.channel import Channel, Message
from medallion_orchestrator.shell_history import LineDropped, kept_history, typed

SENT_ON = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGTERM"}


def connect(home: Path) -> Channel | None:
    """A connection to the home's server; None when none runs (or none can run safely)."""
    try:
        path = socket_path(home)
    except PermissionError:
        return None  # `medallion server start` says why
    return connect_at(path)


def connect_at(path: Path) -> Channel | None:
    if not path.exists():
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(str(path))
    except (ConnectionRefusedError, FileNotFoundError):
        connection.close()
        return None  # a server that was killed left its socket
    return Channel(connection)


def ask(home: Path, kind: str) -> Message | None:
    """The server's answer to `status` or `stop`; None when none runs."""
    return answer(connect(home), kind)


def answer(channel: Channel | None, kind: str) -> Message | None:
    if channel is None:
        return None
    try:
        channel.send(kind)
        return channel.receive()
    except OSError:
        return None  # it stopped as it was asked
    finally:
        channel.close()


def run_in_server(
    home: Path, argv: list[str], reads_stdin: bool, prompts: bool = False
) -> int | None:
    """The command's exit code, run by the home's server; None: run it in this process.
    `prompts`: its input is typed at prompts the server asks this terminal to show."""
    channel = connect(home)
    if channel is None:
        return None
    given = sys.stdin.read() if reads_stdin and not sys.stdin.isatty() else None
    saved = kept_history(home) if prompts else None
    try:
        channel.send("command", **_request(argv, given), prompts=prompts)
        return _follow(channel, home, argv)
    finally:
        channel.close()
        if saved is not None:
            saved()
        if given is not None:
            sys.stdin = io.StringIO(given)  # for this process, when the server did not run it


def _request(argv: list[str], given: str | None) -> Message:
    environment = dict(os.environ)
    if sys.stdout.isatty() and "COLUMNS" not in environment:
        size = shutil.get_terminal_size()
        environment.update(COLUMNS=str(size.columns), LINES=str(size.lines))
    return {
        "argv": argv,
        "cwd": str(Path.cwd()),
        "env": environment,
        "stdin": given,
        "tty": {
            "stdin": sys.stdin.isatty(),
            "stdout": sys.stdout.isatty(),
            "stderr": sys.stderr.isatty(),
        },
        "fingerprint": fingerprint(),
    }


def _follow(channel: Channel, home: Path, argv: list[str]) -> int | None:
    signalled: list[str] = []
    with _sending_signals(channel, signalled):
        for message in channel.messages():
            kind = message["type"]
            if kind in ("stdout", "stderr"):
                stream = sys.stdout if kind == "stdout" else sys.stderr
                if not _written(stream, message["data"]):
                    return reader_gone(stream)  # the server stops the command: its client left
            elif kind == "read":
                with suppress(OSError):  # the server stopped meanwhile: its messages say so
                    channel.send("line", **_typed_line(str(message["prompt"])))
            elif kind == "exit":
                if message.get("server_stopped"):
                    print("medallion server: stopped, and this command with it", file=sys.stderr)
                return int(message["code"])
            elif kind in ("busy", "stale"):
                print(_refused(kind, message.get("argv")), file=sys.stderr)
                return None
    print(
        f"error: the medallion server stopped during this command (its log: {server_log(home)})",
        file=sys.stderr,
    )
    return EXIT_INTERRUPTED if signalled else 1


def _typed_line(prompt: str) -> Message:
    try:
        line = typed(prompt)
    except LineDropped:
        return {"interrupted": True}
    return {"eof": True} if line is None else {"text": line}


def _written(stream: TextIO, data: str) -> bool:
    """False once the reader has gone, as `| head` goes after its lines."""
    try:
        stream.write(data)
        stream.flush()
    except BrokenPipeError:
        return False
    return True


def _refused(kind: str, busy: list[str] | None) -> str:
    if kind == "busy":
        running = " ".join(["medallion", *(busy or [])])
        return f"medallion server: busy with `{running}`: this command runs in its own process"
    return (
        "medallion server: it runs the code and JVM settings it started with, not this command's: "
        "this command runs in its own process (restart it: medallion server stop, then medallion "
        "server start)"
    )


@contextmanager
def _sending_signals(channel: Channel, signalled: list[str]) -> Iterator[None]:
    def send_on(signum: int, frame: FrameType | None) -> None:
        name = SENT_ON[signal.Signals(signum)]
        signalled.append(name)
        with suppress(OSError):
            channel.send("signal", name=name)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.getsignal(number) for number in SENT_ON}
    for number in SENT_ON:
        signal.signal(number, send_on)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
