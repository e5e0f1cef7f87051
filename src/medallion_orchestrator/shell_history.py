"""The shell's readline history in the home, as `sqlite3` and `psql` keep theirs, and its
prompt, where Ctrl-C drops the statement being typed and nothing else."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

HISTORY_LINES = 1000


class LineDropped(Exception):
    """Ctrl-C at the prompt: the statement being typed is dropped, nothing else stops."""


def kept_history(home: Path) -> Callable[[], None] | None:
    """Loads the history of `home` into readline; the function that saves it (None: no
    readline here)."""
    try:
        import readline
    except ImportError:
        return None
    path = home / "shell_history"
    readline.clear_history()  # loaded twice (a shell the server was too busy for), kept once
    if path.is_file():
        readline.read_history_file(path)
    readline.set_history_length(HISTORY_LINES)

    def save() -> None:
        with suppress(OSError):  # a home that could not be made: the command said why
            readline.write_history_file(path)

    return save


def typed(prompt: str) -> str | None:
    """A line typed at `prompt`; None at Ctrl-D. Ctrl-C raises LineDropped, on a line of its
    own; the command's own signal handlers are set aside meanwhile, so a SIGTERM still stops it."""
    with _ctrl_c_drops_the_line():
        try:
            return input(prompt)
        except EOFError:
            return None
        except LineDropped:
            print(file=sys.stdout, flush=True)
            raise


@contextmanager
def _ctrl_c_drops_the_line() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def dropped(signum: int, frame: FrameType | None) -> None:
        raise LineDropped

    previous = signal.signal(signal.SIGINT, dropped)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
