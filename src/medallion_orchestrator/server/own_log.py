"""The server's own lines (ready, warmed up, each command's exit) go to its log, its standard error.

A command running in the server points the process's `sys.stderr` and the root logger at its
client; the warm-up thread logs meanwhile, and its lines must not reach that user's terminal.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

SERVER_LOGGER = "medallion_orchestrator.server"


def log_to_server_only(stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.__stderr__)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger(SERVER_LOGGER)
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
