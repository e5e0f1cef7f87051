"""Ctrl-C during a statement cancels its jobs (by tag, from another thread), without Spark."""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, field

import pytest

from medallion_orchestrator.statement_cancel import TAG, cancel_active, cancelled_by_ctrl_c


@dataclass
class Context:
    tags: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    threads: set[str] = field(default_factory=set)

    def addJobTag(self, tag: str) -> None:
        self.tags.append(tag)

    def removeJobTag(self, tag: str) -> None:
        self.tags.remove(tag)

    def cancelJobsWithTag(self, tag: str) -> None:
        self.cancelled.append(tag)
        self.threads.add(threading.current_thread().name)


@dataclass
class Session:
    sparkContext: Context


def until(test: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not test() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)


def test_ctrl_c_cancels_the_tagged_jobs_from_another_thread_and_raises_nothing() -> None:
    context = Context()
    before = signal.getsignal(signal.SIGINT)

    with cancelled_by_ctrl_c(Session(context)) as cancelled:  # type: ignore[arg-type]
        assert context.tags == [TAG]
        os.kill(os.getpid(), signal.SIGINT)
        until(lambda: context.cancelled)

    assert cancelled.is_set() and context.cancelled[0] == TAG
    assert threading.main_thread().name not in context.threads
    assert context.tags == [] and signal.getsignal(signal.SIGINT) is before


def test_a_second_ctrl_c_during_the_statement_interrupts() -> None:
    context = Context()

    with pytest.raises(KeyboardInterrupt), cancelled_by_ctrl_c(Session(context)):  # type: ignore[arg-type]
        os.kill(os.getpid(), signal.SIGINT)
        until(lambda: context.cancelled)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)  # interrupted before


def test_the_server_cancels_only_a_statement_that_runs() -> None:
    context = Context()

    assert not cancel_active()
    with cancelled_by_ctrl_c(Session(context)) as cancelled:  # type: ignore[arg-type]
        assert cancel_active() and not cancel_active()  # once
        until(lambda: context.cancelled)
    assert cancelled.is_set() and not cancel_active()


def test_without_a_spark_context_nothing_changes() -> None:
    before = signal.getsignal(signal.SIGINT)

    with cancelled_by_ctrl_c(None) as cancelled:
        assert signal.getsignal(signal.SIGINT) is before and not cancel_active()

    assert not cancelled.is_set()
