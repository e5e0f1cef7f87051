"""Signals on the command line: the first stops an armed run, a second forces exit 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from medallion_orchestrator.execution.cancellation import Cancellation
from medallion_orchestrator.execution.executor import BatchExecutor
from medallion_orchestrator.execution.ready_queue import ReadyQueueExecutor
from medallion_orchestrator.execution.results import TaskOutcome, TaskStatus
from medallion_orchestrator.interrupts import stopping_on_signals
from medallion_orchestrator.planning import Batch, NotebookTask, Plan

PATIENCE_SECONDS = 60  # how long the task waits for the stop before it gives up and succeeds


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_during_a_run_asks_it_to_stop(number: signal.Signals) -> None:
    cancellation = Cancellation()
    with stopping_on_signals(cancellation), cancellation.arming():
        os.kill(os.getpid(), number)
    assert cancellation.requested
    assert cancellation.reason == f"the run was stopped by {number.name}"


def test_a_signal_outside_a_run_interrupts_and_the_handlers_are_put_back() -> None:
    before = signal.getsignal(signal.SIGINT)
    cancellation = Cancellation()
    with pytest.raises(KeyboardInterrupt), stopping_on_signals(cancellation):
        os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) == before


def test_arming_puts_back_a_handler_that_starting_spark_replaced() -> None:
    cancellation = Cancellation()
    with stopping_on_signals(cancellation):
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as SparkContext() does
        with cancellation.arming():
            os.kill(os.getpid(), signal.SIGINT)
    assert cancellation.requested


def test_a_second_signal_exits_at_once_with_130() -> None:
    script = (
        "import os, signal, time\n"
        "from medallion_orchestrator.execution.cancellation import Cancellation\n"
        "from medallion_orchestrator.interrupts import stopping_on_signals\n"
        "cancellation = Cancellation()\n"
        "with stopping_on_signals(cancellation), cancellation.arming():\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(30)\n"
        "raise SystemExit(0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 130, done.stderr
    assert "again: exiting now" in done.stderr


class SignalsItsOwnThread:
    """A task that gets SIGTERM on its worker thread, as the kernel may deliver a process's
    signal, then waits for the run to be stopped."""

    def __init__(self, cancellation: Cancellation) -> None:
        self.cancellation = cancellation

    def run(self, task: NotebookTask) -> TaskOutcome:
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)
        if self.cancellation.wait(PATIENCE_SECONDS):
            return TaskOutcome(TaskStatus.CANCELLED, "saw the stop")
        return TaskOutcome(TaskStatus.SUCCESS, "the stop never came")


@pytest.mark.parametrize("executor_type", [BatchExecutor, ReadyQueueExecutor])
def test_a_signal_to_a_worker_thread_stops_the_run_while_its_tasks_run(
    executor_type: type[BatchExecutor] | type[ReadyQueueExecutor],
) -> None:
    cancellation = Cancellation()
    executor = executor_type(SignalsItsOwnThread(cancellation), cancellation=cancellation)
    plan = Plan("layer", (Batch(1, (NotebookTask("a", "nb/a", 1, 0),)),))

    with stopping_on_signals(cancellation), cancellation.arming():
        result = executor.execute(plan)

    assert [task.message for task in result.results] == ["saw the stop"]
