"""What the server answers before a command runs (its status, why it refuses one), and what
it does with a signal."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest

from medallion_orchestrator.server.channel import Channel, Message
from medallion_orchestrator.server.process import Server


def _answer(server: Server, request: Message) -> Message | None:
    left, right = socket.socketpair()
    client = Channel(left)
    client.send(**request)
    server._answer(Channel(right))
    return client.receive()


def _command(fingerprint: str) -> Message:
    return {"kind": "command", "argv": ["sql", "SELECT 1"], "fingerprint": fingerprint}


def test_status_says_who_and_what(tmp_path: Path) -> None:
    server = Server(tmp_path / "home")

    answer = _answer(server, {"kind": "status"})

    assert answer is not None
    assert answer["type"] == "status"
    assert answer["home"] == str((tmp_path / "home").resolve())
    assert (answer["served"], answer["busy"]) == (0, None)


def test_a_command_from_other_code_is_refused_as_stale(tmp_path: Path) -> None:
    server = Server(tmp_path / "home")

    answer = _answer(server, _command("not-" + server.fingerprint))

    assert answer == {"type": "stale", "argv": None}
    assert server.busy is None


def test_a_second_command_is_refused_while_one_runs(tmp_path: Path) -> None:
    server = Server(tmp_path / "home")
    first = _answer_kept(server, _command(server.fingerprint))

    second = _answer(server, _command(server.fingerprint))

    assert first == ["sql", "SELECT 1"]
    assert second == {"type": "busy", "argv": ["sql", "SELECT 1"]}


def _answer_kept(server: Server, request: Message) -> list[str] | None:
    """A command taken: it waits for the main thread, which is not running here."""
    left, right = socket.socketpair()
    Channel(left).send(**request)
    server._answer(Channel(right))
    return server.busy


def test_a_signal_from_outside_stops_an_idle_server(tmp_path: Path) -> None:
    server = Server(tmp_path / "home")

    server._on_signal(signal.SIGTERM, None)

    assert server.stopping
    assert server._work.get_nowait() is None  # the main loop wakes and ends


def test_a_clients_signal_that_comes_after_its_command_is_let_go(tmp_path: Path) -> None:
    server = Server(tmp_path / "home")
    server._forwarded = "SIGINT"  # sent on just as the command ended

    server._on_signal(signal.SIGINT, None)

    assert not server.stopping
    assert server._forwarded is None and server._early is None  # the next command is not hit


def test_a_command_not_yet_in_its_handlers_is_interrupted_as_ctrl_c_does(tmp_path: Path) -> None:
    server = Server(tmp_path / "home")
    server._forwarded, server._in_command = "SIGINT", True

    with pytest.raises(KeyboardInterrupt):
        server._on_signal(signal.SIGINT, None)
    assert not server.stopping


def test_a_signal_sent_on_before_its_command_began_ends_it_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = Server(tmp_path / "home")
    server.busy, server._forwarded = ["sql", "SELECT 1"], "SIGINT"  # taken, still in the queue

    server._on_signal(signal.SIGINT, None)
    code = server._run_cli(["sql", "SELECT 1"])

    assert code == 130 and capsys.readouterr().err == "interrupted\n"
    assert not server.stopping and server._early is None


def test_nothing_is_sent_on_when_no_command_runs(tmp_path: Path) -> None:
    server = Server(tmp_path / "home")

    server._forward("SIGTERM")  # would interrupt the main thread if a command ran

    assert server._forwarded is None
