"""What the loader notebooks call: the dim notebook's loader chosen by execution_pipeline, the
fact notebooks' and the gold notebook's their own.

Every load goes through here, so a table named by `--full-refresh` is rebuilt (full_refresh.py;
the fact notebook's loads replace what they replace on every run), a failed or interrupted
first create leaves no folder behind (`uncommitted.leaving_no_uncommitted_target`), and the
table loads end with the target's comment, properties and clustering as the row sets them
(`table_settings`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import LoadResult
from medallion_orchestrator.loaders.fact_overwrite import load_fact_overwrite
from medallion_orchestrator.loaders.fact_replace_where import load_fact_replace_where
from medallion_orchestrator.loaders.full_refresh import fully_refreshed
from medallion_orchestrator.loaders.gold_sql import GoldInputs, load_gold_sql
from medallion_orchestrator.loaders.incremental_merge import load_incremental_merge
from medallion_orchestrator.loaders.scd1 import load_scd1
from medallion_orchestrator.loaders.scd2 import load_scd2
from medallion_orchestrator.loaders.session_settings import plan_without_constraint_propagation
from medallion_orchestrator.loaders.snapshot import load_scd1_snapshot, load_scd2_snapshot
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.loaders.table_settings import with_table_settings
from medallion_orchestrator.loaders.uncommitted import leaving_no_uncommitted_target
from medallion_orchestrator.metadata.model import TaskRow

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse

TableLoader = Callable[["Lakehouse", LoadSpec], LoadResult]

DIMENSION_LOADERS: dict[str, TableLoader] = {
    "scd1": load_scd1,
    "scd2": load_scd2,
    "scd1_snapshot": load_scd1_snapshot,
    "scd2_snapshot": load_scd2_snapshot,
}


def load_with(
    loaders: dict[str, TableLoader], lakehouse: Lakehouse, task: TaskRow, full_refresh: bool = False
) -> LoadResult:
    loader = loaders.get(task.execution_pipeline or "")
    if loader is None:
        raise LoadError(
            f"{task.destination}: this notebook loads {', '.join(sorted(loaders))}, "
            f"not execution_pipeline {task.execution_pipeline!r}"
        )
    return _loaded(lakehouse, LoadSpec.of(task), loader, full_refresh)


def _loaded(
    lakehouse: Lakehouse, spec: LoadSpec, loader: TableLoader, full_refresh: bool = False
) -> LoadResult:
    """`loader`'s load (with `full_refresh`, the target rebuilt: full_refresh.py)."""
    plan_without_constraint_propagation(lakehouse.spark)
    with leaving_no_uncommitted_target(lakehouse, spec):
        if full_refresh:
            return with_table_settings(lakehouse, spec, fully_refreshed(lakehouse, spec, loader))
        return with_table_settings(lakehouse, spec, loader(lakehouse, spec))


def load_dimension(lakehouse: Lakehouse, task: TaskRow, full_refresh: bool = False) -> LoadResult:
    return load_with(DIMENSION_LOADERS, lakehouse, task, full_refresh)


def load_fact(lakehouse: Lakehouse, task: TaskRow, full_refresh: bool = False) -> LoadResult:
    """nb_silver_fact_loader's load, whatever the pipeline is named: the rows of the row's
    `replace_where` predicate replaced when it gives one (fact_replace_where), else all. A full
    refresh replaces all, as dbt's `--full-refresh` rebuilds a replace_where model whole."""
    spec = LoadSpec.of(task)
    partial = spec.cdc.replace_where and not full_refresh
    return _loaded(lakehouse, spec, load_fact_replace_where if partial else load_fact_overwrite)


def load_incremental(lakehouse: Lakehouse, task: TaskRow, full_refresh: bool = False) -> LoadResult:
    """The incremental MERGE of nb_silver_fact_incremental_loader, whatever its pipeline name."""
    return _loaded(lakehouse, LoadSpec.of(task), load_incremental_merge, full_refresh)


def load_gold(lakehouse: Lakehouse, task: TaskRow, inputs: GoldInputs) -> LoadResult:
    with leaving_no_uncommitted_target(lakehouse, LoadSpec.of(task)):
        return load_gold_sql(lakehouse, task, inputs)
