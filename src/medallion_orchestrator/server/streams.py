"""A command's standard streams, as its client has them: output sent back, input given whole
or, from a terminal, asked for a line at a time."""

from __future__ import annotations

import contextlib
import io
import queue

from medallion_orchestrator.server.channel import Channel, Message
from medallion_orchestrator.shell_history import LineDropped

Answers = queue.Queue[Message | None]  # the client's `line` messages; None once it has gone


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


class AskedInput(io.TextIOBase):
    """The client's terminal: each line is typed at a prompt the client shows, with its line
    editing and history (`medallion shell`). `ask` raises LineDropped for a Ctrl-C typed at the
    prompt, as `shell_history.typed` does."""

    def __init__(self, channel: Channel, answers: Answers) -> None:
        self.channel = channel
        self.answers = answers

    def ask(self, prompt: str) -> str | None:
        """The line typed; None at its end (Ctrl-D) or once the client has gone."""
        try:
            self.channel.send("read", prompt=prompt)
        except OSError:
            return None
        while True:
            try:  # not blocked for long: a signal sent on is handled as it comes
                answer = self.answers.get(timeout=0.2)
            except queue.Empty:
                continue
            if answer is None or answer.get("eof"):
                return None
            if answer.get("interrupted"):
                raise LineDropped
            return str(answer["text"])

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        line = self.ask("")
        return "" if line is None else line + "\n"

    def isatty(self) -> bool:
        return True
