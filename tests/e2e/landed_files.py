"""The files that land in a folder, as the kernel tells them (inotify), so a test waits on the
event instead of looking again and again."""

from __future__ import annotations

import re
import time
from pathlib import Path

from inotify_simple import INotify, flags

# written in place, or renamed in (as Delta commits)
WATCHED = flags.CLOSE_WRITE | flags.MOVED_TO


class LandedFiles:
    """The names of the files written or renamed into `folder` from now on."""

    def __init__(self, folder: Path) -> None:
        self._events = INotify()
        self._events.add_watch(folder, WATCHED)
        self._landed: list[str] = []

    def __enter__(self) -> LandedFiles:
        return self

    def __exit__(self, *_: object) -> None:
        self._events.close()

    def next(self, pattern: str, seconds: float) -> str:
        """The next file whose name matches `pattern` to land."""
        deadline = time.monotonic() + seconds
        while not (found := [name for name in self._landed if re.fullmatch(pattern, name)]):
            left = max(0.0, deadline - time.monotonic())
            events = self._events.read(timeout=int(left * 1000))
            assert events, f"no {pattern} in {seconds} s"
            self._landed += [event.name for event in events]
        self._landed.remove(found[0])
        return found[0]
