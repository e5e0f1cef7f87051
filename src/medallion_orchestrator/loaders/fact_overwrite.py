"""Fact overwrite: the whole bronze table replaces the silver one in one atomic commit.

Rows matching `delete_condition` are not facts and are left out. A bronze schema that differs
from silver's is applied only when the row sets `allow_schema_change`; otherwise the load fails
naming the changes and the target is untouched. When bronze holds exactly the rows silver
already has, nothing is written (no commit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import (
    LoadResult,
    col,
    ensure_target_schema,
    latest_version,
    read_source,
    require_columns,
    without_excluded,
)
from medallion_orchestrator.loaders.keys import any_null, handle_null_keys, null_key_counts
from medallion_orchestrator.loaders.schema import fingerprint, schema_changes
from medallion_orchestrator.loaders.spec import LoadSpec

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse


def load_fact_overwrite(lakehouse: Lakehouse, spec: LoadSpec) -> LoadResult:
    source = facts(lakehouse, spec)
    target = spec.target(lakehouse)
    spark = lakehouse.spark
    writer_options = {}
    if spark.catalog.tableExists(target):
        current = spark.table(target)
        changes = schema_changes(current.schema, source.schema)
        if changes and not spec.cdc.allow_schema_change:
            raise LoadError(
                f"{spec.destination}: source {spec.source} schema changed "
                f"({', '.join(changes)}) and cdc_source_config.allow_schema_change is not "
                "true; the target was left as it was"
            )
        if changes:
            writer_options["overwriteSchema"] = "true"
        else:
            source = source.select(*[col(c) for c in current.columns])
            incoming = fingerprint(source)
            if incoming == fingerprint(current):
                return LoadResult(
                    spec.destination,
                    0,
                    latest_version(lakehouse, target),
                    "unchanged: the source holds the rows the target has",
                )
    else:
        ensure_target_schema(lakehouse, spec)
    source.write.format("delta").mode("overwrite").options(**writer_options).saveAsTable(target)
    rows = spark.table(target).count()
    message = "overwritten" + (" (schema changed)" if writer_options else "")
    return LoadResult(spec.destination, rows, latest_version(lakehouse, target), message)


def facts(lakehouse: Lakehouse, spec: LoadSpec) -> DataFrame:
    """The source rows that are facts: not deleted, no NULL primary key, excluded dropped."""
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F

    source = read_source(lakehouse, spec)
    condition = spec.cdc.delete_condition
    if condition:
        try:
            source = source.where(~F.coalesce(F.expr(condition), F.lit(False)))
        except AnalysisException as error:
            raise LoadError(
                f"{spec.destination}: delete_condition {condition!r} does not apply to source "
                f"{spec.source}: {str(error).splitlines()[0]}"
            ) from None
    keys = list(spec.primary_keys)
    if keys:
        require_columns(source, keys, spec, "key")
        counts = source.agg(null_key_counts(source, keys).alias("nulls")).first()
        assert counts is not None
        handle_null_keys(lakehouse, spec, source, keys, counts["nulls"].asDict())
        source = source.where(~any_null(keys))
    return without_excluded(source, spec, keep=tuple(keys))
