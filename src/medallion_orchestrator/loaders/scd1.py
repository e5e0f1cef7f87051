"""SCD type 1: the latest event per business key, upserted; a delete removes the row.

Ordering across loads uses the sequence column kept in silver: an event older than the stored
one never overwrites it. Excluding the sequence column from silver drops that guard (the latest
bronze event per key still wins within what bronze holds). A delete is kept as a tombstone
(tombstones.py): an older upsert arriving after bronze lost the delete does not bring the key
back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.loaders.common import LoadResult
from medallion_orchestrator.loaders.hydrate import with_initial_hydrate
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.loaders.staging import Cache
from medallion_orchestrator.loaders.tombstones import Tombstones
from medallion_orchestrator.loaders.upsert import upsert_latest

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse


def load_scd1(lakehouse: Lakehouse, spec: LoadSpec) -> LoadResult:
    return with_initial_hydrate(lakehouse, spec, lambda source: _upserted(lakehouse, spec, source))


def _upserted(lakehouse: Lakehouse, spec: LoadSpec, source: DataFrame) -> LoadResult:
    keys = list(spec.keys)
    config = spec.cdc
    with Cache() as cache:
        return upsert_latest(
            lakehouse,
            spec,
            source,
            keys,
            config.sequence_columns,
            cache,
            full_extract=config.full_extract,
            tombstones=Tombstones.of(lakehouse, spec),
        )
