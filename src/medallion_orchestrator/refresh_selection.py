"""`--full-refresh TABLE`: the tables of a run that are rebuilt from nothing.

As a Databricks pipeline's `full_refresh_selection`: each name is a destination of the run
(`catalog.schema.table`); its task is given the argument `full_refresh_table`, which its loader
notebook reads (silver: loaders/full_refresh.py; gold: built even when up to date). A name no
task of the run writes is refused before anything runs. Plain `--full-refresh` (every gold
table built) is another option of the run and unchanged by this.
"""

from __future__ import annotations

from collections.abc import Sequence

from medallion_orchestrator.errors import InvalidMetadata, Problem
from medallion_orchestrator.planning import FULL_REFRESH_TABLE, Plan


def with_full_refresh(plan: Plan, tables: Sequence[str]) -> Plan:
    """`plan` with the tasks of `tables` marked for a full refresh (none: `plan` itself)."""
    if not tables:
        return plan
    keys = {task.key.lower() for task in plan.tasks}
    if unknown := [name for name in tables if name.strip().lower() not in keys]:
        raise InvalidMetadata(
            [
                Problem(name, f"--full-refresh: no task of this run of {plan.layer} writes it")
                for name in unknown
            ]
        )
    chosen = {name.strip().lower() for name in tables}
    return plan.with_arguments({FULL_REFRESH_TABLE: "true"}, chosen)
