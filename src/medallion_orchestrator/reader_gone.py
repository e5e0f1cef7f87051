"""Output whose reader has gone, as `| head` goes after its lines: the command ends quietly, with
the exit code of a process that SIGPIPE ended."""

from __future__ import annotations

import os
import signal
from typing import TextIO

EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE


def reader_gone(stream: TextIO) -> int:
    """What is still written to `stream` goes nowhere, so the exit's flush raises nothing."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    return EXIT_BROKEN_PIPE
