"""The main thread's waits, woken often enough to run a signal's handler.

Python runs a signal's handler in the main thread, at its next bytecode. A signal the kernel
delivers to another thread does not interrupt the main thread's blocking wait, so an endless
wait would hold a Ctrl-C or SIGTERM until the tasks it waits for had ended (and committed).
"""

from __future__ import annotations

from concurrent.futures import Future, wait
from queue import Empty, SimpleQueue
from typing import TypeVar

WAKE_SECONDS = 0.5

T = TypeVar("T")


def result_of(future: Future[T]) -> T:
    while not wait([future], timeout=WAKE_SECONDS).done:
        pass
    return future.result()


def next_from(queue: SimpleQueue[T]) -> T:
    while True:
        try:
            return queue.get(timeout=WAKE_SECONDS)
        except Empty:
            continue
