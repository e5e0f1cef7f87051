"""Bronze rows as change events: delete flag, sequence, duplicates and conflicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import (
    reject_null_keys,
    require_columns,
    without_excluded,
)
from medallion_orchestrator.metadata.model import TaskRow

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

DELETED = "__medallion_deleted"
SEQUENCE = "__medallion_sequence"
INTERNAL = (DELETED, SEQUENCE)


def change_events(source: DataFrame, task: TaskRow, keys: list[str]) -> DataFrame:
    """Distinct events with DELETED and SEQUENCE, excluded columns dropped, keys checked."""
    from pyspark.sql import functions as F

    config = task.cdc
    require_columns(source, keys, task, "key")
    if config.sequence_column:
        require_columns(source, [config.sequence_column], task, "sequence")
    reject_null_keys(source, keys, task)
    deleted = F.expr(config.delete_condition) if config.delete_condition else F.lit(False)
    sequence = F.col(f"`{config.sequence_column}`") if config.sequence_column else F.lit(None)
    flagged = source.withColumn(DELETED, F.coalesce(deleted, F.lit(False))).withColumn(
        SEQUENCE, sequence
    )
    events = without_excluded(flagged, task, keep=tuple(keys)).dropDuplicates()
    _reject_conflicts(events, task, keys)
    return events


def latest_per_key(events: DataFrame, keys: list[str]) -> DataFrame:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    order = Window.partitionBy(*[F.col(f"`{key}`") for key in keys]).orderBy(F.col(SEQUENCE).desc())
    return (
        events.withColumn("__rank", F.row_number().over(order)).where("__rank = 1").drop("__rank")
    )


def _reject_conflicts(events: DataFrame, task: TaskRow, keys: list[str]) -> None:
    """Two different rows for one key at one sequence value cannot be ordered: an error."""
    from pyspark.sql import functions as F

    clash = (
        events.groupBy(*[F.col(f"`{key}`") for key in keys], F.col(SEQUENCE))
        .count()
        .where("count > 1")
        .first()
    )
    if clash is None:
        return
    key = ", ".join(f"{name}={clash[name]!r}" for name in keys)
    if task.cdc.sequence_column:
        raise LoadError(
            f"{task.destination}: source {task.source} has different rows for key ({key}) "
            f"with the same {task.cdc.sequence_column} = {clash[SEQUENCE]!r}"
        )
    raise LoadError(
        f"{task.destination}: source {task.source} has different rows for key ({key}) "
        "and no sequence_column in cdc_source_config to order them"
    )
