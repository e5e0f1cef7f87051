"""The server's process: one warm session for a home, one command at a time.

The main thread runs the commands, so that Ctrl-C and SIGTERM reach a command's run the way they
reach it in a process of its own (interrupts.py): the client sends its signals on, and a client
that is gone counts as a SIGTERM. Another thread takes connections: it answers `status` and
`stop` at once, and refuses a command while one runs (the client then runs it itself).
"""

from __future__ import annotations

import _thread
import logging
import os
import queue
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from medallion_orchestrator import variables
from medallion_orchestrator.interrupts import EXIT_INTERRUPTED, SIGNALS
from medallion_orchestrator.server.address import fingerprint, socket_path
from medallion_orchestrator.server.channel import Channel, Message
from medallion_orchestrator.server.streams import Answers, AskedInput, GivenInput, SentStream
from medallion_orchestrator.server.warm_up import warm_up
from medallion_orchestrator.statement_cancel import cancel_active

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)
Work = tuple[Channel, Message] | None


class Server:
    def __init__(self, home: Path) -> None:
        self.home = home.resolve()
        self.fingerprint = fingerprint()
        self.started = time.time()
        self.served = 0
        self.warm = False
        self.idle_minutes = variables.server_idle_minutes()
        self.last_command = time.monotonic()
        self.busy: list[str] | None = None
        self.stopping = False
        self._state = threading.Lock()
        self._work: queue.Queue[Work] = queue.Queue()
        self._forwarded: str | None = None  # a signal the running command's client sent on
        self._in_command = False  # the command's code runs on the main thread
        self._early: str | None = None  # sent on before the command's code began

    def serve(self) -> None:
        from medallion_orchestrator.runtime.local_spark import local_spark

        spark = local_spark(self.home, full_jit=not variables.quick_jit())
        listener = self._listen()
        for number in SIGNALS:  # after Spark, which puts in its own
            signal.signal(number, self._on_signal)
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        if variables.server_warm_up():
            threading.Thread(target=self._warm_up, args=(spark,), daemon=True).start()
        else:
            self.warm = True
            logger.info("no warm-up (%s=0)", variables.SERVER_WARM_UP)
        self.last_command = time.monotonic()
        logger.info("ready on %s (pid %s)", self.home, os.getpid())
        try:
            while not self.stopping:
                try:
                    work = self._work.get(timeout=0.2)
                except queue.Empty:
                    self._stop_when_idle()
                    continue
                if work is not None:
                    try:
                        self._command(spark, *work)
                    except KeyboardInterrupt:  # a client's signal just as its command ended
                        logger.info("a signal came after its command ended")
        finally:
            listener.close()
            socket_path(self.home).unlink(missing_ok=True)
            logger.info("stopped after %s command(s)", self.served)

    def _warm_up(self, spark: SparkSession) -> None:
        """Beside the first commands, which need not wait for it."""
        try:
            warm_up(spark.newSession(), self.home)
        finally:
            self.warm = True

    def status(self) -> Message:
        return {
            "pid": os.getpid(),
            "home": str(self.home),
            "started": self.started,
            "served": self.served,
            "busy": self.busy,
            "fingerprint": self.fingerprint,
            "idle_minutes": self.idle_minutes,
            "warm": self.warm,
        }

    def _stop_when_idle(self) -> None:
        with self._state:
            idle = time.monotonic() - self.last_command > self.idle_minutes * 60
            if idle and self.busy is None and self.warm:
                self.stopping = True
                logger.info("no command for %g minutes: stopping", self.idle_minutes)

    def _listen(self) -> socket.socket:
        path = socket_path(self.home)
        path.unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        listener.listen(16)
        return listener

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # closed: the server is stopping
            try:
                self._answer(Channel(connection))
            except Exception:
                logger.exception("a connection failed")

    def _answer(self, channel: Channel) -> None:
        request = channel.receive()
        kind = request["type"] if request else None
        if kind == "command" and request is not None:
            with self._state:
                refusal = self._refusal(request)
                if refusal is None:
                    self.busy = list(request["argv"])
            if refusal is None:
                self._work.put((channel, request))
                return
            channel.send(refusal, argv=self.busy)
        elif kind == "status":
            channel.send("status", **self.status())
        elif kind == "stop":
            channel.send("stopping", **self.status())
            self._stop()
        channel.close()

    def _refusal(self, request: Message) -> str | None:
        if request.get("fingerprint") != self.fingerprint:
            return "stale"
        return "busy" if self.busy is not None or self.stopping else None

    def _stop(self) -> None:
        with self._state:
            self.stopping = True
        self._forward("SIGTERM")  # a command that runs is stopped as SIGTERM stops it
        self._work.put(None)

    def _forward(self, name: str) -> None:
        """The signal to the command, as its main thread would get it. A statement of `shell`
        or `sql` waits in the JVM, out of reach of the signal: its jobs are cancelled."""
        with self._state:
            if self.busy is None:
                return
            if cancel_active() and name == "SIGINT":
                return
            self._forwarded = name
        _thread.interrupt_main(getattr(signal, name))

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        """Outside a command's own handlers: a signal from outside stops the server, and a
        command not yet in its handlers is interrupted as Python's default Ctrl-C does."""
        with self._state:
            forwarded, self._forwarded = self._forwarded, None
            interrupt, taken = self._in_command, self.busy is not None
            if forwarded is not None and taken and not interrupt:
                self._early = forwarded  # its code has not begun: it begins interrupted
        if forwarded is None:
            self.stopping = True
            self._work.put(None)
        if interrupt:
            raise KeyboardInterrupt

    def _command(self, spark: SparkSession, channel: Channel, request: Message) -> None:
        done = threading.Event()
        answers: Answers = queue.Queue()
        code = EXIT_INTERRUPTED
        began = time.monotonic()
        try:
            watching = (channel, done, answers)
            threading.Thread(target=self._watch, args=watching, daemon=True).start()
            with _as_the_client(channel, request, answers), _serving(spark.newSession()):
                code = self._run_cli(request["argv"])
        except KeyboardInterrupt:
            code = EXIT_INTERRUPTED
        except SystemExit as exited:
            code = exited.code if isinstance(exited.code, int) else 1
        except Exception:
            logger.exception("command %s failed in the server", request["argv"])
            code = 1
        finally:
            done.set()
            with self._state:
                self.busy = None
                self._forwarded = self._early = None
                self.served += 1
                self.last_command = time.monotonic()
            _clear_thread_properties(spark)
            with suppress(OSError):
                channel.send("exit", code=code, server_stopped=self.stopping)
            channel.close()
            logger.info(
                "medallion %s: exit %s in %.1f s",
                " ".join(request["argv"]),
                code,
                time.monotonic() - began,
            )

    def _run_cli(self, argv: list[str]) -> int:
        from medallion_orchestrator.cli import main

        with self._state:
            self._in_command = True
            early, self._early = self._early, None
        try:
            if early is not None:  # as a Ctrl-C typed just after Enter ends a process
                print("interrupted", file=sys.stderr)
                return EXIT_INTERRUPTED
            return main(argv)
        finally:
            with self._state:
                self._in_command = False

    def _watch(self, channel: Channel, done: threading.Event, answers: Answers) -> None:
        """The client's signals, sent on, and the lines typed at its prompts; a client gone
        stops its command as SIGTERM does."""
        for message in channel.messages():
            if message["type"] == "signal" and not done.is_set():
                self._forward(str(message["name"]))
            elif message["type"] == "line":
                answers.put(message)
        answers.put(None)
        if not done.is_set():
            self._forward("SIGTERM")


@contextmanager
def _as_the_client(channel: Channel, request: Message, answers: Answers) -> Iterator[None]:
    """The client's folder, environment and standard streams, for the command's duration: its
    input given whole, or asked for at its terminal's prompts."""
    environment, folder = dict(os.environ), Path.cwd()
    streams = sys.stdin, sys.stdout, sys.stderr
    tty = request["tty"]
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ[variables.SERVER] = "off"  # the command runs here, not in a server again
    try:
        os.chdir(request["cwd"])
        sys.stdin = (
            AskedInput(channel, answers)
            if request.get("prompts")
            else GivenInput(request.get("stdin") or "", tty["stdin"])
        )
        sys.stdout = SentStream(channel, "stdout", tty["stdout"])
        sys.stderr = SentStream(channel, "stderr", tty["stderr"])
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
        logging.basicConfig(  # the command's logging wrote to its client
            level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s", force=True
        )
        os.chdir(folder)
        os.environ.clear()
        os.environ.update(environment)


@contextmanager
def _serving(session: SparkSession) -> Iterator[None]:
    from medallion_orchestrator.runtime.local_spark import serving

    with serving(session):
        yield


def _clear_thread_properties(spark: SparkSession) -> None:
    """What a command left on the main thread's Spark jobs (a group, a pool, tags)."""
    context = spark.sparkContext
    context.clearJobTags()
    for key in ("spark.jobGroup.id", "spark.job.description", "spark.scheduler.pool"):
        context.setLocalProperty(key, None)  # type: ignore[arg-type]
