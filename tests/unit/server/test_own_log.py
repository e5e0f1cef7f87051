"""The server's own lines reach its log, never the client of a command running meanwhile."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator

import pytest

from medallion_orchestrator import cli
from medallion_orchestrator.server import warm_up
from medallion_orchestrator.server.own_log import SERVER_LOGGER, log_to_server_only


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    root, server = logging.getLogger(), logging.getLogger(SERVER_LOGGER)
    kept = root.handlers[:], root.level, server.handlers[:], server.level, server.propagate
    yield
    root.handlers, root.level, server.handlers, server.level, server.propagate = kept


def test_the_warm_up_thread_logs_to_the_server_not_to_a_running_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server_log, client = io.StringIO(), io.StringIO()
    log_to_server_only(server_log)
    monkeypatch.setattr("sys.stderr", client)  # as the server's command does (process.py)
    cli._configure_logging(verbose=False)

    beside = threading.Thread(target=warm_up.logger.info, args=("warmed up in %.1f s", 9.5))
    beside.start()
    beside.join()
    logging.getLogger("medallion_orchestrator.orchestrator").info("the command's own line")

    assert "warmed up in 9.5 s" in server_log.getvalue()
    assert client.getvalue().splitlines()[0].endswith("the command's own line")
    assert "warmed up" not in client.getvalue()
