"""The shell's readline history in the home, as `sqlite3` and `psql` keep theirs, and the
terminal's prompt: its Ctrl-C clears the line typed, not the command's run."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HISTORY_LINES = 1000


def kept_history(home: Path) -> Callable[[], None] | None:
    """Loads the history of `home` into readline; the function that saves it (None: no
    readline here)."""
    try:
        import readline
    except ImportError:
        return None
    path = home / "shell_history"
    if path.is_file():
        readline.read_history_file(path)
    readline.set_history_length(HISTORY_LINES)
    return lambda: readline.write_history_file(path)


def typed(prompt: str) -> str | None:
    """A line typed at `prompt`; None at Ctrl-D. Ctrl-C raises KeyboardInterrupt, on a line of
    its own, and nothing else: a command's own signal handlers are set aside meanwhile."""
    with _plain_ctrl_c():
        try:
            return input(prompt)
        except EOFError:
            return None
        except KeyboardInterrupt:
            print(file=sys.stdout, flush=True)
            raise


@contextmanager
def _plain_ctrl_c() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
