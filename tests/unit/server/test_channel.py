"""Messages between a command and its server, and the command's streams in the server."""

from __future__ import annotations

import queue
import socket
import threading
import time

import pytest

from medallion_orchestrator.server.channel import Channel
from medallion_orchestrator.server.streams import Answers, AskedInput, GivenInput, SentStream
from medallion_orchestrator.shell_history import LineDropped


def _pair() -> tuple[Channel, Channel]:
    left, right = socket.socketpair()
    return Channel(left), Channel(right)


def test_messages_arrive_whole_and_in_order_then_none_once_closed() -> None:
    sender, receiver = _pair()
    sender.send("stdout", data="a line\nand one with ü and \\n in it")
    sender.send("exit", code=3)
    sender.close()

    assert list(receiver.messages()) == [
        {"type": "stdout", "data": "a line\nand one with ü and \\n in it"},
        {"type": "exit", "code": 3},
    ]
    assert receiver.receive() is None


def test_a_stream_sends_what_is_written_and_answers_isatty_as_the_client() -> None:
    server, client = _pair()
    out = SentStream(server, "stderr", tty=True)

    print("stopping the run", file=out)
    server.close()

    assert out.isatty()
    assert "".join(message["data"] for message in client.messages()) == "stopping the run\n"


def test_writing_to_a_client_that_is_gone_loses_the_text_not_the_command() -> None:
    server, client = _pair()
    client.close()
    out = SentStream(server, "stdout", tty=False)

    for _ in range(100):  # the first sends may still fill the socket's buffer
        assert out.write("x" * 10_000) == 10_000


def test_given_input_reads_as_a_pipe_or_a_terminal() -> None:
    piped = GivenInput("SELECT 1;\n", tty=False)

    assert not piped.isatty()
    assert piped.read() == "SELECT 1;\n"
    assert GivenInput("", tty=True).isatty()


def test_closing_returns_at_once_while_another_thread_waits_for_a_message() -> None:
    """The server closes a command's connection while its watcher waits for the client, which
    may be waiting for a line typed at `medallion shell`'s prompt and send nothing for hours."""
    server, client = _pair()
    received: list[object] = []
    watcher = threading.Thread(target=lambda: received.append(server.receive()), daemon=True)
    watcher.start()
    time.sleep(0.2)  # the watcher is in its read

    closing = threading.Thread(target=server.close, daemon=True)
    closing.start()
    closing.join(timeout=5)
    watcher.join(timeout=5)

    assert not closing.is_alive() and received == [None]
    assert client.receive() is None


def test_a_line_asked_for_comes_from_the_answers_a_ctrl_c_drops_it_and_a_client_gone_ends_it() -> (
    None
):
    server, client = _pair()
    answers: Answers = queue.Queue()
    asked = AskedInput(server, answers)
    for answer in ({"text": "SELECT 1;"}, {"interrupted": True}, {"eof": True}, None):
        answers.put(answer)

    typed = asked.ask("sql> ")
    with pytest.raises(LineDropped):
        asked.ask("....> ")
    ended, gone = asked.ask("sql> "), asked.ask("sql> ")

    assert typed == "SELECT 1;" and ended is None and gone is None
    assert [client.receive() for _ in range(4)] == [{"type": "read", "prompt": "sql> "}] + [
        {"type": "read", "prompt": p} for p in ("....> ", "sql> ", "sql> ")
    ]
