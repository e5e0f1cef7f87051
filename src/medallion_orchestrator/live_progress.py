"""A run's progress drawn live in a terminal with rich; plain lines anywhere else.

In a terminal, the counts, the time left and the running tasks (longest first) are redrawn twice a
second; a failure is printed above them as it happens, in its one log line, and the task starts and
successes are not printed. Output that is not a terminal (a file, CI, a Databricks cell) gets the
run's plain log lines only, with no control characters.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from medallion_orchestrator.execution.progress import ProgressView, RunProgress

SHOWN_RUNNING = 10


def drawn(view: ProgressView) -> RenderableType:
    """One frame: the counts line, then the running tasks, the longest-running first."""
    if not view.layer:
        return Text("preparing the run: its metadata, its layer's lock, the run log", style="dim")
    left = f", about {_duration(view.seconds_left)} left" if view.seconds_left is not None else ""
    header = Text(f"{view.layer}: {view.counts()}{left}", style="bold")
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="cyan")
    table.add_column()
    for task in view.running[:SHOWN_RUNNING]:
        table.add_row(_duration(task.elapsed_seconds), task.key)
    hidden = len(view.running) - SHOWN_RUNNING
    if hidden > 0:
        table.add_row("", f"and {hidden} more running")
    return Group(header, table)


@contextmanager
def shown(progress: RunProgress, out: TextIO | None = None) -> Iterator[None]:
    """The live display while the block runs, when `out` (standard error) is a terminal."""
    out = out or sys.stderr
    console = Console(file=out)
    if not console.is_terminal:
        yield
        return
    handlers = [h for h in _stream_handlers() if h.stream is out]
    frame = _Frame(progress)
    with Live(frame, console=console, refresh_per_second=2, transient=True):
        levels = [(handler, handler.level) for handler in handlers]
        for handler in handlers:  # failures above the display; starts and successes not at all
            handler.setLevel(max(handler.level, logging.WARNING))
            handler.setStream(_Above(console))
        try:
            yield
        finally:
            for handler, level in levels:
                handler.setStream(out)
                handler.setLevel(level)


class _Frame:
    def __init__(self, progress: RunProgress) -> None:
        self.progress = progress

    def __rich__(self) -> RenderableType:
        return drawn(self.progress.view())


class _Above:
    """A stream whose lines are printed above the live display."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def write(self, text: str) -> int:
        if text.strip():
            self.console.print(Text(text.rstrip("\n")), soft_wrap=True)
        return len(text)

    def flush(self) -> None:
        pass


def _stream_handlers() -> list[logging.StreamHandler[TextIO]]:
    return [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]


def _duration(seconds: float | None) -> str:
    whole = round(seconds or 0.0)
    if whole < 60:
        return f"{whole}s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes}m{rest:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"
