"""Writes to the shared history tables, tried again when a concurrent commit beat them.

Delta's optimistic concurrency makes two writers of one table race: the loser gets a
concurrent-modification error (ConcurrentAppendException, ...) and must simply try again against
the new version. Two runs of different layers write the same `run_lock` and `run_log`, so every
history write that reads the table (MERGE, UPDATE, DELETE) goes through `retry_on_conflict`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import TypeVar

from medallion_orchestrator.clock import Clock
from medallion_orchestrator.transient import is_concurrent_conflict, is_creation_race

__all__ = ["backoff", "is_creation_race", "retry_on_conflict"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 8
FIRST_DELAY_SECONDS = 0.2
MAX_DELAY_SECONDS = 3.0


def backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt `attempt` (1, 2, ...): doubling, jittered."""
    ceiling = min(FIRST_DELAY_SECONDS * 2 ** (attempt - 1), MAX_DELAY_SECONDS)
    return ceiling * random.uniform(0.5, 1.0)  # jitter, not security


def retry_on_conflict(
    action: Callable[[], T],
    clock: Clock,
    what: str,
    attempts: int = ATTEMPTS,
    retryable: Callable[[BaseException], bool] = is_concurrent_conflict,
) -> T:
    """`action()`, tried again (up to `attempts` times) while it fails with a `retryable` error."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except Exception as error:
            if attempt == attempts or not retryable(error):
                raise
            delay = backoff(attempt)
            logger.info("%s: lost a race with a concurrent commit; again in %.1fs", what, delay)
            clock.sleep(delay)
    raise AssertionError("unreachable")
