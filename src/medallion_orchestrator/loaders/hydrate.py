"""Initial hydrate: a one-time full snapshot an SCD1/SCD2 target starts from, before its change
feed (AUTO CDC's `once=True` flow, Databricks' pattern for replicating a database table).

The snapshot (`initial_hydrate_source`) is read on a target's first load only: its rows join
the change feed's as upserts, sequenced by the same `sequence_by` columns, and the load applies
them all in its one commit (SCD2: each snapshot row opens a version). Whether it was applied is
kept in the target's table property `medallion.initial_hydrate` (the snapshot's name), set by a
commit of its own right after the data's, as the snapshot loader keeps its version
(snapshot_state.py): a load that fails before its data commit leaves both as they were; one
stopped between the two reads the snapshot again next time, and its rows, already reflected and
older than the feed's, change nothing. Later loads never read it; naming another snapshot applies
that one once. `medallion run --full-refresh TABLE` rebuilds the target from the snapshot and the
whole feed (full_refresh.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import (
    LoadResult,
    latest_version,
    read_source,
)
from medallion_orchestrator.loaders.snapshot_state import table_property
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.loaders.table_settings import set_properties

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

PROPERTY = "medallion.initial_hydrate"


def with_initial_hydrate(
    lakehouse: Lakehouse, spec: LoadSpec, load: Callable[[DataFrame], LoadResult]
) -> LoadResult:
    """`load` of the change feed, with the hydrate snapshot's rows before it while they are
    still to apply; then the snapshot is recorded as applied."""
    feed = read_source(lakehouse, spec)
    snapshot = spec.cdc.initial_hydrate_source
    target = spec.target(lakehouse)
    if snapshot is None or table_property(lakehouse, target, PROPERTY) == snapshot:
        return load(feed)
    rows = read_source(lakehouse, spec, snapshot)
    needed = [*(spec.keys), *spec.cdc.sequence_columns]
    if missing := [name for name in needed if name not in rows.columns]:
        raise LoadError(
            f"{spec.destination}: initial_hydrate_source {snapshot} lacks column(s) "
            f"{', '.join(missing)}: its rows need the keys and the sequence_by columns"
        )
    result = load(feed.unionByName(rows, allowMissingColumns=True))
    set_properties(lakehouse, target, {PROPERTY: snapshot})
    return LoadResult(
        result.target,
        result.rows_written,
        latest_version(lakehouse, target),  # the record's commit
        f"{result.message}; initial hydrate from {snapshot} applied",
    )
