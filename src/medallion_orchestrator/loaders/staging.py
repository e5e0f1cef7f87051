"""The staged difference: what a load keeps, and how its rows meet the target.

Every loader that merges first computes the staged difference: rows with an OP column
(`insert`, `update`, `delete`) that are exactly what must change in the target, written in one
commit by commit.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import TracebackType

    from pyspark.sql import DataFrame

OP = "__medallion_op"
INSERT, UPDATE, DELETE = "insert", "update", "delete"
FILE = "__medallion_file"  # of an update or delete: the target file holding the row it changes


@dataclass
class Cache:
    """Frames a load computes once: materialized (lineage cut, partitioning kept) when kept.

    `localCheckpoint` rather than `persist`: no CacheManager bookkeeping, which in a session
    shared by parallel loads costs more than the small frames themselves. When the load ends
    the blocks are released (classic Spark; Spark Connect's server drops them with the plan),
    not left for the JVM's garbage collector while the next loads run: no frame kept may be
    used after the `with` block.
    """

    frames: list[DataFrame] = field(default_factory=list)

    def keep(self, frame: DataFrame, eager: bool = True) -> DataFrame:
        """`eager=False`: stored by the first action over it, which must read all of it
        (an aggregation, not `first()`), so computing and storing take one job."""
        kept = frame.localCheckpoint(eager=eager)
        self.frames.append(kept)
        return kept

    def __enter__(self) -> Cache:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for frame in self.frames:
            _release(frame)
        self.frames.clear()


def _release(frame: DataFrame) -> None:
    """Drop a local checkpoint's blocks now."""
    plan = getattr(frame, "_jdf", None)
    if plan is not None:
        plan.queryExecution().analyzed().rdd().unpersist(True)


@dataclass(frozen=True)
class Merge:
    """How staged rows meet the target: the ON condition (target `t`, staged `s`) and the
    assignments of an update and of an insert."""

    condition: str
    update: dict[str, str]
    insert: dict[str, str]


def assignments(columns: list[str], source: str = "s") -> dict[str, str]:
    """Target column -> SQL expression over the staged row `source`."""
    return {column: f"{source}.`{column}`" for column in columns}
