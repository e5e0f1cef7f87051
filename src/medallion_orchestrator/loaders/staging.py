"""Write the difference in one MERGE, or write nothing.

Every loader that merges first computes the staged difference: rows with an OP column
(`insert`, `update`, `delete`) that are exactly what must change in the target. The staged rows
are cached and counted: none means no MERGE at all, so a rerun with no new bronze data leaves
the Delta version of the target unchanged (a MERGE that changes no row still commits).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from medallion_orchestrator.loaders.common import LoadResult, latest_version
from medallion_orchestrator.metadata.model import TaskRow

if TYPE_CHECKING:
    from types import TracebackType

    from pyspark.sql import DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

OP = "__medallion_op"
INSERT, UPDATE, DELETE = "insert", "update", "delete"


@dataclass
class Cache:
    """Frames a load computes once: materialized (lineage cut, partitioning kept) when kept.

    `localCheckpoint` rather than `persist`: no CacheManager bookkeeping, which in a session
    shared by parallel loads costs more than the small frames themselves; the blocks go away
    with the frames when the load ends.
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
        self.frames.clear()


@dataclass(frozen=True)
class Merge:
    """How staged rows meet the target: the ON condition (target `t`, staged `s`) and the
    assignments of an update and of an insert."""

    condition: str
    update: dict[str, str]
    insert: dict[str, str]


def op_counts(staged: DataFrame) -> dict[str, int]:
    return {row[OP]: int(row["count"]) for row in staged.groupBy(OP).count().collect()}


def merge_staged(
    lakehouse: Lakehouse, task: TaskRow, target: str, staged: DataFrame, merge: Merge
) -> LoadResult:
    """One MERGE of the (cached) staged rows into the target, or none when there are none."""
    from delta.tables import DeltaTable

    counts = op_counts(staged)
    if not counts:
        return LoadResult(
            task.destination, 0, latest_version(lakehouse, target), "unchanged: nothing to write"
        )
    (
        DeltaTable.forName(lakehouse.spark, target)
        .alias("t")
        .merge(staged.alias("s"), merge.condition)
        .withSchemaEvolution()
        .whenMatchedDelete(condition=f"s.{OP} = '{DELETE}'")
        .whenMatchedUpdate(condition=f"s.{OP} = '{UPDATE}'", set=merge.update)
        .whenNotMatchedInsert(condition=f"s.{OP} = '{INSERT}'", values=merge.insert)
        .execute()
    )
    message = "merged: " + ", ".join(
        f"{counts.get(op, 0)} {op}{'d' if op.endswith('e') else 'ed'}"
        for op in (INSERT, UPDATE, DELETE)
    )
    return LoadResult(
        task.destination, sum(counts.values()), latest_version(lakehouse, target), message
    )


def assignments(columns: list[str], source: str = "s") -> dict[str, str]:
    return {f"`{column}`": f"{source}.`{column}`" for column in columns}
