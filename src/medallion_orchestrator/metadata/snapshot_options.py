"""Which cdc_source_config options a snapshot pipeline takes (AUTO CDC FROM SNAPSHOT).

A snapshot's changes are found by comparing it with the one before: keys missing from it are its
deletes and its version orders it. So the options that describe change events (their order,
their deletes, a full extract, ignored NULLs, a watermark) do not apply to `scd1_snapshot` and
`scd2_snapshot`, and `snapshot_version_column` applies to nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from medallion_orchestrator.metadata.cdc_config import CdcSourceConfig

SNAPSHOT_PIPELINES = frozenset({"scd1_snapshot", "scd2_snapshot"})
EVENT_OPTIONS = (
    "sequence_columns",
    "delete_condition",
    "full_extract",
    "watermark_column",
    "ignore_null_updates",
    "ignore_null_updates_columns",
    "ignore_null_updates_except_columns",
    "allow_schema_change",
)


def snapshot_problems(
    config: CdcSourceConfig, keys: Sequence[str], pipeline: str | None
) -> Iterable[str]:
    version = config.snapshot_version_column
    if pipeline not in SNAPSHOT_PIPELINES:
        if version is not None:
            yield (
                f"cdc_source_config.{config.key('snapshot_version_column')} applies to "
                f"execution_pipeline {' and '.join(sorted(SNAPSHOT_PIPELINES))} only, "
                f"not {pipeline!r}"
            )
        return
    written = dict(config.written)
    if given := [written[name] for name in EVENT_OPTIONS if name in written]:
        yield (
            f"cdc_source_config: {', '.join(given)} cannot be used with execution_pipeline "
            f"{pipeline!r}: a snapshot's missing keys are its deletes and its version orders it"
        )
    if version is not None and version in keys:
        yield (
            f"cdc_source_config.{config.key('snapshot_version_column')} {version!r} is a key "
            "column: a snapshot's version cannot identify its rows"
        )
