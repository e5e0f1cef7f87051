"""`medallion shell`: one Spark session, statements typed one after another, with history.

A statement ends with `;` (it may span lines); `\\format json`, `\\limit N` and `\\q` are the
shell's own commands. Errors print one line and the prompt comes back. As in `psql`, Ctrl-C at
a prompt drops the statement being typed, and while one runs cancels it (statement_cancel.py).
History is kept in the home (shell_history.py). In the home's server, the client shows the
prompts and keeps the history (server/streams.AskedInput).
"""

from __future__ import annotations

import dataclasses
import sys
from typing import TYPE_CHECKING, TextIO

from medallion_orchestrator.error_text import one_line
from medallion_orchestrator.shell_history import LineDropped, kept_history, typed
from medallion_orchestrator.sql_console import FORMATS, Output, StatementFailed, run_statements
from medallion_orchestrator.statement_cancel import cancelled_by_ctrl_c

if TYPE_CHECKING:
    from collections.abc import Callable

    from medallion_orchestrator.application import Application

HELP = "End each statement with ;  \\format table|json|csv  \\limit N  \\timing  \\q quits"


class SqlShell:
    def __init__(self, app: Application, output: Output, stdin: TextIO | None = None) -> None:
        self.app = app
        self.output = output
        self.stdin = stdin or sys.stdin
        self.timing = False
        self.interactive = self.stdin.isatty()

    def loop(self) -> int:
        saved = self._load_history()
        try:
            return self._loop()
        finally:
            if saved is not None:
                saved()

    def _loop(self) -> int:
        self.app.lakehouse  # noqa: B018 - the session starts before the first prompt
        self._say(f"medallion shell on {self.app.home}: {HELP}")
        failed = 0
        buffer: list[str] = []
        while True:
            try:
                line = self._read("....> " if buffer else "sql> ")
            except LineDropped:
                buffer = []
                continue
            if line is None:
                break
            stripped = line.strip()
            if not buffer and stripped.startswith("\\"):
                if not self._command(stripped):
                    break
                continue
            buffer.append(line)
            if stripped.endswith(";"):
                failed += not self._run("\n".join(buffer))
                buffer = []
        if buffer and "".join(buffer).strip():
            failed += not self._run("\n".join(buffer))
        return 1 if failed and not self.interactive else 0

    def _run(self, text: str) -> bool:
        import time

        started = time.perf_counter()
        with cancelled_by_ctrl_c(getattr(self.app.lakehouse, "spark", None)) as cancelled:
            try:
                run_statements(self.app.lakehouse, text, self.output)
            except StatementFailed as failed:
                if cancelled.is_set():
                    said = "" if failed.total == 1 else f": {failed.context()}"
                    print(f"cancelled{said}", file=sys.stderr)
                    return False
                print(f"error: {one_line(failed.error, self.app.user_catalogs())}", file=sys.stderr)
                if failed.total > 1:  # several on one line: say which ones committed
                    print(failed.context(), file=sys.stderr)
                return False
        if self.timing:
            self._say(f"{time.perf_counter() - started:.3f} s")
        return True

    def _command(self, command: str) -> bool:
        name, _, value = command[1:].partition(" ")
        if name in ("q", "quit", "exit"):
            return False
        if name == "format" and value.strip() in FORMATS:
            self.output = dataclasses.replace(self.output, format=value.strip())
        elif name == "limit" and value.strip().isdigit():
            self.output = dataclasses.replace(self.output, limit=int(value))
        elif name == "timing":
            self.timing = not self.timing
            self._say(f"timing {'on' if self.timing else 'off'}")
        else:
            self._say(HELP)
        return True

    def _read(self, prompt: str) -> str | None:
        asked = getattr(self.stdin, "ask", None)
        if asked is not None:  # a terminal on the other side of the server's channel
            return asked(prompt)  # type: ignore[no-any-return]
        if self.interactive and self.stdin is sys.stdin:
            return typed(prompt)
        line = self.stdin.readline()
        return None if line == "" else line.rstrip("\n")

    def _say(self, text: str) -> None:
        if self.interactive:
            print(text, file=sys.stderr)

    def _load_history(self) -> Callable[[], None] | None:
        """readline history in the home, on this process's own terminal (None: none kept here;
        the server's client keeps it)."""
        if not self.interactive or hasattr(self.stdin, "ask"):
            return None
        return kept_history(self.app.home)
