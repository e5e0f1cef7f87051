"""Ctrl-C and SIGTERM on the command line: the first stops the run cleanly, a second forces.

While a run executes (its `Cancellation` is armed), the first SIGINT or SIGTERM asks it to stop:
no task starts, running ones are cancelled with their Spark jobs, the run is recorded and the
lock released, and the command exits 130. Outside that, a signal interrupts as Python's default
Ctrl-C does (KeyboardInterrupt), and the run's context manager still records it. A second
signal exits at once with 130, recording nothing more.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from medallion_orchestrator.execution.cancellation import Cancellation

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stopping_on_signals(cancellation: Cancellation) -> Iterator[None]:
    """Install the handlers for the block (main thread only; elsewhere, do nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if cancellation.requested:
            print(f"\n{name} again: exiting now", file=sys.stderr, flush=True)
            os._exit(EXIT_INTERRUPTED)
        if not cancellation.armed:
            cancellation.cancel(f"stopped by {name}")  # a second signal then forces
            raise KeyboardInterrupt
        print(
            f"\n{name}: stopping the run: no new task starts, running tasks are cancelled "
            "(press Ctrl-C again to exit at once)",
            file=sys.stderr,
            flush=True,
        )
        cancellation.cancel(f"the run was stopped by {name}")

    def install() -> None:  # again when a run starts: starting Spark puts in its own handler
        if threading.current_thread() is threading.main_thread():
            for number in SIGNALS:
                signal.signal(number, handle)

    previous = {number: signal.getsignal(number) for number in SIGNALS}
    install()
    cancellation.arm_hooks.append(install)
    try:
        yield
    finally:
        cancellation.arm_hooks.remove(install)
        for number, handler in previous.items():
            signal.signal(number, handler)


def exit_code(code: int, cancellation: Cancellation) -> int:
    """130 for a command whose run was stopped by a signal, else its own code."""
    return EXIT_INTERRUPTED if cancellation.requested else code
