"""The target's comment, properties and clustering from cdc_source_config (AUTO CDC's `comment`,
`table_properties`, `cluster_by`): set on create, altered when the metadata changes, left
alone (no commit) when it does not. Loaded through dispatch, as the notebooks load, committed
both ways; each step compares the whole table and its settings."""

from __future__ import annotations

from typing import Any

import pytest

from integration.loader_support import (
    COMMITS,
    assert_table,
    bronze,
    committing,
    row_for,
    version,
)
from medallion_orchestrator.loaders.dispatch import load_dimension
from medallion_orchestrator.runtime.lakehouse import Lakehouse

pytestmark = pytest.mark.spark

BRONZE = "id INT, name STRING, seq INT"
FIRST = {"comment": "customers", "table_properties": {"quality": "silver"}, "cluster_by": ["id"]}
CHANGED = {
    "comment": "customers, it's renamed",
    "table_properties": {"quality": "gold", "team": "sales"},
    "cluster_by": ["name", "id"],
}
A1, B2 = (1, "a", 1), (1, "b", 2)
# step -> (settings, bronze rows, expected settings, whether the step commits)
STEPS: list[tuple[str, dict[str, Any], list[tuple[Any, ...]], tuple[Any, ...], bool]] = [
    ("created", FIRST, [A1], ("customers", {"quality": "silver"}, ["id"]), True),
    ("rerun", FIRST, [A1], ("customers", {"quality": "silver"}, ["id"]), False),
    (
        "metadata and data changed",
        CHANGED,
        [A1, B2],
        ("customers, it's renamed", {"quality": "gold", "team": "sales"}, ["name", "id"]),
        True,
    ),
    (
        "metadata changed back, no new data",
        FIRST,
        [A1, B2],
        ("customers", {"quality": "silver", "team": "sales"}, ["id"]),
        True,
    ),
    (
        "rerun again",
        FIRST,
        [A1, B2],
        ("customers", {"quality": "silver", "team": "sales"}, ["id"]),
        False,
    ),
]
LATEST = {"scd1": [(1, "b", 2)], "scd2": [(1, "a", 1, 1, 2, False), (1, "b", 2, 2, None, True)]}
SILVER = {
    "scd1": BRONZE,
    "scd2": f"{BRONZE}, effective_from INT, effective_to INT, is_current BOOLEAN",
}


def settings(lakehouse: Lakehouse, name: str) -> tuple[Any, ...]:
    """The table's comment, the properties the steps set, its clustering columns."""
    table = lakehouse.table_of(name)
    detail = lakehouse.spark.sql(f"DESCRIBE DETAIL {table}").first().asDict()  # type: ignore[union-attr]
    properties = {k: v for k, v in detail["properties"].items() if k in ("quality", "team")}
    return detail["description"], properties, list(detail["clusteringColumns"])


@pytest.mark.parametrize("how", COMMITS)
@pytest.mark.parametrize("pipeline", ["scd1", "scd2"])
def test_table_settings_are_set_on_create_and_kept_in_sync(
    lakehouse: Lakehouse, unique: str, pipeline: str, how: str
) -> None:
    source, target = f"dev_bronze.{unique}.customers", f"dev_silver.{unique}.customers"
    with committing(how):
        for step, config, rows, expected, commits in STEPS:
            row = row_for(source, target, pipeline, ["id"], {"sequence_by": "seq", **config})
            bronze(lakehouse, source, rows, BRONZE)
            before = version(lakehouse, target)
            result = load_dimension(lakehouse, row)
            after = version(lakehouse, target)
            assert (step, settings(lakehouse, target)) == (step, expected)
            assert (step, after != before, result.target_version) == (step, commits, after)
    assert_table(lakehouse, target, LATEST[pipeline], SILVER[pipeline])
