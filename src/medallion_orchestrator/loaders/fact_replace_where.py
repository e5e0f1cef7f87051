"""Fact replace-where: the source rows replace the target's rows that match the row's
`replace_where` predicate, in one atomic commit (Delta's `replaceWhere`, dbt-databricks'
`replace_where` strategy). Rows of the target outside the predicate stay as they are.

The facts are read as `fact_overwrite` reads them (deletes, NULL keys, excluded columns). A
source row outside the predicate fails the load with Delta's DELTA_REPLACE_WHERE_MISMATCH and
the target keeps its version (a first load, which Delta does not check, is checked the same
way); so does a source whose schema differs from the target's. When the target's matching rows
already are the source's, nothing is written (no commit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import (
    LoadResult,
    col,
    ensure_target_schema,
    latest_version,
    require_columns,
)
from medallion_orchestrator.loaders.fact_overwrite import facts
from medallion_orchestrator.loaders.schema import fingerprint, schema_changes
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.metadata.expressions import expression_columns

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

MISMATCH = "DELTA_REPLACE_WHERE_MISMATCH"


def load_fact_replace_where(lakehouse: Lakehouse, spec: LoadSpec) -> LoadResult:
    from pyspark.sql import functions as F

    predicate = spec.cdc.replace_where
    if predicate is None:
        raise LoadError(f"{spec.destination}: cdc_source_config.replace_where is not set")
    source = facts(lakehouse, spec)
    require_columns(source, expression_columns(predicate), spec, "replace_where")
    target = spec.target(lakehouse)
    rows = None
    if lakehouse.spark.catalog.tableExists(target):
        current = lakehouse.spark.table(target)
        if changes := schema_changes(current.schema, source.schema):
            raise LoadError(
                f"{spec.destination}: source {spec.source} schema differs from the target's "
                f"({', '.join(changes)}): replace_where replaces rows, not the schema; the "
                "target was left as it was"
            )
        source = source.select(*[col(c) for c in current.columns])
        incoming = fingerprint(source)
        if incoming == fingerprint(current.where(F.expr(predicate))):
            return LoadResult(
                spec.destination,
                0,
                latest_version(lakehouse, target),
                f"unchanged: the target's rows where {predicate} are the source's",
            )
        rows = incoming[0]
    else:
        _check_inside(source, predicate, spec)
        ensure_target_schema(lakehouse, spec)
    _replace(source, target, predicate, spec)
    if rows is None:
        rows = lakehouse.spark.table(target).count()
    return LoadResult(
        spec.destination, rows, latest_version(lakehouse, target), f"replaced where {predicate}"
    )


def _replace(source: DataFrame, target: str, predicate: str, spec: LoadSpec) -> None:
    from pyspark.errors import AnalysisException

    writer = source.write.format("delta").mode("overwrite").option("replaceWhere", predicate)
    try:
        writer.saveAsTable(target)
    except AnalysisException as error:
        if _condition(error) != MISMATCH:
            raise
        outside = _outside(source, predicate, spec)
        raise (outside or error) from None


def _check_inside(source: DataFrame, predicate: str, spec: LoadSpec) -> None:
    """Delta checks the predicate on an existing table only: a first load is checked here."""
    if (error := _outside(source, predicate, spec)) is not None:
        raise error


def _outside(source: DataFrame, predicate: str, spec: LoadSpec) -> LoadError | None:
    """The error of a source with rows the predicate does not hold for (false or NULL)."""
    from pyspark.sql import functions as F

    count = source.where(~F.coalesce(F.expr(predicate), F.lit(False))).count()
    if not count:
        return None
    return LoadError(
        f"{spec.destination}: source {spec.source} has {count} row(s) outside replace_where "
        f"{predicate!r} ({MISMATCH}); the target was left as it was"
    )


def _condition(error: Exception) -> str | None:
    for name in ("getCondition", "getErrorClass"):
        if callable(method := getattr(error, name, None)):
            return str(method())
    return None
