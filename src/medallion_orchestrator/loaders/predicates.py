"""Many column tests as one: a balanced tree, never a chain.

Spark converts and analyses an expression recursively. `a | b | c | ...` over a wide table's 700
columns is a chain 700 deep, and overflows the JVM's stack (`StackOverflowError`); the same tests
paired off level by level are 10 deep.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import Column


def any_of(tests: Sequence[Column], otherwise: Column | None = None) -> Column:
    """True when any test is; with no tests, `otherwise` (False by default)."""
    from pyspark.sql import functions as F

    if not tests:
        return F.lit(False) if otherwise is None else otherwise
    level = list(tests)
    while len(level) > 1:
        paired = [left | right for left, right in zip(level[::2], level[1::2], strict=False)]
        level = paired + level[len(paired) * 2 :]
    return level[0]
