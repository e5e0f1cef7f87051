"""Messages between `medallion` and its server: one JSON object a line, on a Unix socket."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

Message = dict[str, Any]


class Channel:
    """One connection; sends from any thread, receives on one."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self._reader = connection.makefile("rb")
        self._sending = threading.Lock()

    def send(self, kind: str, **fields: Any) -> None:
        line = json.dumps({"type": kind, **fields}).encode() + b"\n"
        with self._sending:
            self.connection.sendall(line)

    def receive(self) -> Message | None:
        """The next message; None once the other side is gone."""
        try:
            line = self._reader.readline()
        except (ConnectionError, OSError):
            return None
        return json.loads(line) if line else None

    def messages(self) -> Iterator[Message]:
        while (message := self.receive()) is not None:
            yield message

    def close(self) -> None:
        """At once, also while another thread waits in `receive` (which then gets None): the
        shutdown ends that wait, which would otherwise hold the reader's lock until the other
        side sent something."""
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        for closing in (self._reader.close, self.connection.close):
            with contextlib.suppress(OSError):
                closing()
