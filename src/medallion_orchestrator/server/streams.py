"""A command's standard streams, as its client has them: output sent back, input given whole."""

from __future__ import annotations

import contextlib
import io

from medallion_orchestrator.server.channel import Channel


class SentStream(io.TextIOBase):
    """Text written here is written to the client's stdout or stderr; a client gone loses it."""

    def __init__(self, channel: Channel, name: str, tty: bool) -> None:
        self.channel = channel
        self.name = name
        self.tty = tty

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            with contextlib.suppress(OSError):
                self.channel.send(self.name, data=text)
        return len(text)

    def isatty(self) -> bool:
        return self.tty


class GivenInput(io.StringIO):
    """The client's standard input, read before the command was sent (a pipe or a file)."""

    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty
