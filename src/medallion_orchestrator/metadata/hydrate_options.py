"""`initial_hydrate_source`: the one-time snapshot an SCD1/SCD2 target starts from (AUTO CDC's
`once=True` flow). Its rows are change events ordered with the feed's, so the row must sequence
its events, and the snapshot must be another table than the feed."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from medallion_orchestrator.metadata.cdc_config import CdcSourceConfig

HYDRATED_PIPELINES = ("scd1", "scd2")


def hydrate_problems(
    config: CdcSourceConfig, pipeline: str | None, source: str, is_safe: Callable[[str], bool]
) -> Iterable[str]:
    name = config.initial_hydrate_source
    if name is None:
        return
    key = f"cdc_source_config.{config.key('initial_hydrate_source')}"
    parts = name.split(".")
    if len(parts) != 3 or not all(is_safe(part) for part in parts):
        yield (
            f"{key} {name!r} must be catalog.schema.table, each a safe identifier "
            "(letters, digits, _ only)"
        )
    elif name.lower() == source.lower():
        yield f"{key} is the row's own source {source}: name the one-time snapshot table"
    if pipeline not in HYDRATED_PIPELINES:
        yield (
            f"{key} applies to execution_pipeline {' and '.join(HYDRATED_PIPELINES)} only, "
            f"not {pipeline!r}"
        )
    elif not config.sequence_columns:
        yield (
            f"{key} needs sequence_by (or sequence_column): the snapshot's rows are ordered "
            "with the change feed's, as AUTO CDC's once flow shares the feed's sequence_by"
        )
