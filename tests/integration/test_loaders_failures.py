"""A load that fails leaves its target exactly as it was: same Delta version, same rows.

Each loader's target is created once by a good load; each case then points a row at a bad
bronze table and the same target, and checks the error names what is wrong.
"""

from __future__ import annotations

from typing import Any

import pytest

from integration.loader_support import bronze, fresh_schema, load, row_for, version
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.runtime.lakehouse import lakehouse_for

pytestmark = pytest.mark.spark

SCHEMA = "id INT, name STRING, seq INT, deleted BOOLEAN"
GOOD = [(1, "a", 1, False), (2, "b", 1, False)]
FIVETRAN = {"sequence_column": "seq", "delete_condition": "deleted = true"}
PIPELINES = {
    "scd1": {**FIVETRAN, "exclude_columns": ["deleted"]},
    "scd2": {**FIVETRAN, "exclude_columns": ["deleted"]},
    "fact_incremental_merge": {**FIVETRAN, "watermark_column": "seq"},
    "fact_overwrite": {},
}
NULL_KEY = ([(1, "a", 2, False), (None, "x", 2, False)], SCHEMA)
CONFLICT = ([(1, "a", 2, False), (1, "other", 2, False)], SCHEMA)
FRACTIONAL = ([(1, "a2", 2.7, False)], "id INT, name STRING, seq DOUBLE, deleted BOOLEAN")
TYPE_CHANGED = (
    r"changed the type of column\(s\) the target cannot hold: seq int->double; the target was "
    r"left as it was\. Widen the target's column first: ALTER TABLE \S+ SET TBLPROPERTIES "
    r"\('delta.enableTypeWidening' = 'true'\), then ALTER TABLE \S+ ALTER COLUMN `seq` TYPE double"
)
# case: pipeline, extra config, (bronze rows, schema), the error message (a regex)
CASES: dict[str, tuple[str, dict[str, Any], tuple[list[Any], str], str]] = {
    "scd1_null_key": ("scd1", {}, NULL_KEY, r"\.scd1: NULL in key column id \(1 row\(s\)\)"),
    "scd2_null_key": ("scd2", {}, NULL_KEY, r"NULL in key column id \(1 row\(s\)\)"),
    "merge_null_key": ("fact_incremental_merge", {}, NULL_KEY, r"NULL in key column id"),
    "overwrite_null_key": ("fact_overwrite", {}, NULL_KEY, r"NULL in key column id"),
    "scd1_conflict": (
        "scd1",
        {},
        CONFLICT,
        r"different rows for key \(id=1\) with the same seq = 2",
    ),
    "scd2_conflict": ("scd2", {}, CONFLICT, r"different rows for key \(id=1\) with the same seq"),
    "merge_conflict": ("fact_incremental_merge", {}, CONFLICT, r"different rows for key \(id=1\)"),
    "scd1_null_sequence": (
        "scd1",
        {},
        ([(1, "a", None, False)], SCHEMA),
        r"NULL in sequence column seq \(1 row\(s\)\)",
    ),
    "scd1_missing_key_column": (
        "scd1",
        {},
        ([("a", 2, False)], "name STRING, seq INT, deleted BOOLEAN"),
        r"key column\(s\) id missing from source",
    ),
    "scd2_missing_sequence_column": (
        "scd2",
        {},
        ([(1, "a", False)], "id INT, name STRING, deleted BOOLEAN"),
        r"sequence column\(s\) seq missing from source",
    ),
    "scd2_unknown_tracked_column": (
        "scd2",
        {"track_history_columns": ["nope"]},
        ([(1, "a2", 2, False)], SCHEMA),
        r"names column\(s\) nope to track history by",
    ),
    "scd1_delete_condition_on_a_missing_column": (
        "scd1",
        {"delete_condition": "gone = true"},
        ([(1, "a2", 2, False)], SCHEMA),
        r"delete_condition 'gone = true' does not apply to source",
    ),
    "overwrite_column_added_not_allowed": (
        "fact_overwrite",
        {},
        ([(1, "a", 2, False, 7)], f"{SCHEMA}, extra INT"),
        r"schema changed \(\+extra int\) and cdc_source_config.allow_schema_change is not",
    ),
    "overwrite_column_dropped_not_allowed": (
        "fact_overwrite",
        {},
        ([(1, 2, False)], "id INT, seq INT, deleted BOOLEAN"),
        r"schema changed \(-name\)",
    ),
    "overwrite_type_changed_not_allowed": (
        "fact_overwrite",
        {},
        ([(1, "a", 2, False)], "id BIGINT, name STRING, seq INT, deleted BOOLEAN"),
        r"schema changed \(id int->bigint\)",
    ),
    # a column's values that the target's type cannot hold were cast into it (2.7 stored as 2)
    "scd1_sequence_became_fractional": ("scd1", {}, FRACTIONAL, TYPE_CHANGED),
    "scd2_sequence_became_fractional": (
        "scd2",
        {},
        FRACTIONAL,
        r"cannot hold: seq int->double, effective_from int->double, effective_to int->double; "
        r"the target was left as it was\. Widen the target's column first: .* ALTER TABLE \S+ "
        r"ALTER COLUMN `effective_to` TYPE double\.$",
    ),
    "merge_sequence_became_fractional": ("fact_incremental_merge", {}, FRACTIONAL, TYPE_CHANGED),
    "scd2_key_became_bigint": (
        "scd2",
        {},
        ([(1, "a2", 2, False)], "id BIGINT, name STRING, seq INT, deleted BOOLEAN"),
        r"\.scd2: source \S+ changed the type of column\(s\) the target cannot hold: id "
        r"int->bigint; the target was left as it was\. Widen the target's column first",
    ),
    "scd1_text_became_a_number": (
        "scd1",
        {},
        ([(1, 7, 2, False)], "id INT, name INT, seq INT, deleted BOOLEAN"),
        r"column\(s\) the target cannot hold: name string->int; the target was left as it "
        r"was\. Delta cannot change name in place: cast it back in the source, or rebuild",
    ),
}


@pytest.fixture(scope="module")
def targets(spark) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One target per loader, created by a good load."""
    lakehouse = lakehouse_for(spark)
    schema = fresh_schema("failures")
    source = f"dev_bronze.{schema}.good"
    bronze(lakehouse, source, GOOD, SCHEMA)
    made = {"lakehouse": lakehouse, "schema": schema}
    for pipeline, config in PIPELINES.items():
        target = f"dev_silver.{schema}.{pipeline}"
        load(
            lakehouse, row_for(source, target, pipeline, ["id"], config, primary_key_columns=["id"])
        )
        made[pipeline] = target
    return made


@pytest.mark.parametrize("case", list(CASES))
def test_a_failed_load_leaves_the_target_as_it_was(targets: dict[str, Any], case: str) -> None:
    pipeline, extra, (rows, schema), message = CASES[case]
    lakehouse, target = targets["lakehouse"], targets[pipeline]
    source = f"dev_bronze.{targets['schema']}.{case}"
    bronze(lakehouse, source, rows, schema)
    table = lakehouse.spark.table(lakehouse.table_of(target))
    before = (version(lakehouse, target), sorted(map(tuple, table.collect())))
    row = row_for(
        source,
        target,
        pipeline,
        ["id"],
        {**PIPELINES[pipeline], **extra},
        primary_key_columns=["id"],
    )
    with pytest.raises(LoadError, match=message):
        load(lakehouse, row)
    table = lakehouse.spark.table(lakehouse.table_of(target))
    assert (version(lakehouse, target), sorted(map(tuple, table.collect()))) == before
