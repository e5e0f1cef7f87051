"""The `fact_replace_where` pipeline and its `replace_where` predicate (Delta's replaceWhere,
dbt-databricks' `replace_where` strategy with its `incremental_predicates`).

The predicate must be one boolean condition over the target's own columns: no statement, no
subquery, no table in front of a column, and no column the row leaves out of silver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from medallion_orchestrator.metadata.cdc_config import CdcSourceConfig
from medallion_orchestrator.metadata.expressions import (
    expression_columns,
    expression_problems,
    qualified_columns,
)

REPLACE_WHERE_PIPELINE = "fact_replace_where"


def replace_where_problems(
    config: CdcSourceConfig, pipeline: str | None, is_safe: Callable[[str], bool]
) -> Iterable[str]:
    key = f"cdc_source_config.{config.key('replace_where')}"
    predicate = config.replace_where
    if pipeline != REPLACE_WHERE_PIPELINE:
        if predicate is not None:
            yield (
                f"{key} applies to execution_pipeline {REPLACE_WHERE_PIPELINE} only, "
                f"not {pipeline!r}"
            )
        return
    if predicate is None:
        yield (
            f"execution_pipeline {REPLACE_WHERE_PIPELINE} needs cdc_source_config.replace_where "
            "(or incremental_predicates): the condition of the rows each load replaces"
        )
        return
    if "allow_schema_change" in dict(config.written):
        yield (
            f"cdc_source_config.allow_schema_change applies to fact_overwrite, not "
            f"{REPLACE_WHERE_PIPELINE}: replacing some rows cannot change the table's schema"
        )
    if problems := list(expression_problems(key, predicate, boolean=True)):
        yield from problems
        return
    columns = expression_columns(predicate)
    if not columns:
        yield f"{key} names no column: to replace every row use execution_pipeline fact_overwrite"
    if qualified := qualified_columns(predicate):
        yield f"{key} names {', '.join(qualified)}: name the target's columns without a table"
    for name in columns:
        if not is_safe(name):
            yield f"{key} names unsafe column {name!r}"
        elif name in config.exclude_columns:
            yield (
                f"{key} names {name!r}, which {config.key('exclude_columns')} leaves out of the "
                "target"
            )
