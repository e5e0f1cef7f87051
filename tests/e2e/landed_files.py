"""The files that land in a folder, as the kernel tells them (inotify), so a test waits on the
event instead of looking again and again."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import select
import struct
import time
from pathlib import Path

IN_CLOSE_WRITE = 0x00000008
IN_MOVED_TO = 0x00000080
WATCHED = IN_CLOSE_WRITE | IN_MOVED_TO  # written in place, or renamed in (as Delta commits)
_EVENT = struct.Struct("iIII")  # watch, mask, cookie, length of the name that follows
_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


class LandedFiles:
    """The names of the files written or renamed into `folder` from now on."""

    def __init__(self, folder: Path) -> None:
        self._fd = _checked(_libc.inotify_init1(os.O_CLOEXEC))
        _checked(_libc.inotify_add_watch(self._fd, os.fsencode(folder), WATCHED))
        self._landed: list[str] = []

    def __enter__(self) -> LandedFiles:
        return self

    def __exit__(self, *_: object) -> None:
        os.close(self._fd)

    def next(self, pattern: str, seconds: float) -> str:
        """The next file whose name matches `pattern` to land."""
        deadline = time.monotonic() + seconds
        while not (found := [name for name in self._landed if re.fullmatch(pattern, name)]):
            left = max(0.0, deadline - time.monotonic())
            assert select.select([self._fd], [], [], left)[0], f"no {pattern} in {seconds} s"
            self._landed += _names(os.read(self._fd, 65536))
        self._landed.remove(found[0])
        return found[0]


def _names(events: bytes) -> list[str]:
    names, offset = [], 0
    while offset < len(events):
        *_, length = _EVENT.unpack_from(events, offset)
        offset += _EVENT.size
        names.append(events[offset : offset + length].rstrip(b"\0").decode())
        offset += length
    return names


def _checked(result: int) -> int:
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return result
