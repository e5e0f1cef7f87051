"""AUTO CDC's options, in its own names: several sequence columns, ignored NULL updates and a
column list, for SCD1 and SCD2, each committed every way (loader_support.COMMITS, LOADINGS).

Like test_loaders_scd1.py and test_loaders_scd2.py, every case is a key of one bronze table
loaded as many times as its longest case has batches, then once more with nothing new (bronze on
load n is the case's batch n, its last once it has no more); each test compares the whole slice
of its case.
"""

from __future__ import annotations

from typing import Any

import pytest

from integration.loader_support import (
    COMMITS,
    LOADINGS,
    assert_table,
    fresh_schema,
    load_cases,
    row_for,
)
from medallion_orchestrator.runtime.lakehouse import lakehouse_for

pytestmark = pytest.mark.spark

PATHS = [("scd1", how) for how in COMMITS] + [("scd2", how) for how in LOADINGS]


def assert_case(
    loaded: Any, case: str, rows: list[tuple[Any, ...]], columns: str, sequence: str = "INT"
) -> None:
    """The case's slice equals `rows` (SCD2's with effective_from and effective_to), and the
    rerun with nothing new committed nothing."""
    pipeline, loads = loaded
    derive = None
    if pipeline == "scd2":
        columns += f", effective_from {sequence}, effective_to {sequence}"

        def derive(frame):  # type: ignore[no-untyped-def]
            return frame.withColumn("is_current", frame["effective_to"].isNull())

    expected = [(case, *row) for row in rows]
    where = f"`case` = '{case}'"
    assert_table(loads["lakehouse"], loads["target"], expected, columns, where, derive)
    assert (loads["after"], loads["rerun"].rows_written) == (loads["before"], 0)


def loaded(
    spark: Any, path: tuple[str, str], config: dict[str, Any], cases: Any, bronze: str
) -> Any:
    """`cases` loaded by `path` (pipeline, commit path) into a table of their own."""
    pipeline, how = path
    schema = fresh_schema(f"auto_cdc_{pipeline}")
    source, target = f"dev_bronze.{schema}.customers", f"dev_silver.{schema}.customers"
    row = row_for(source, target, pipeline, ["case", "id"], config)
    loads = max(len(batches) for batches, _ in cases.values())
    return pipeline, load_cases(lakehouse_for(spark), row, cases, bronze, loads, how)


# 1. sequence_by with several columns: ordered by ts, ties broken by lsn.
ORDERED = "case STRING, id INT, name STRING, ts INT, lsn INT"
A, B, C = (1, "A", 10, 1), (1, "B", 10, 2), (1, "C", 9, 9)
SEQUENCE_CASES = {
    "in_one_batch": ([[A, B, C]], None),
    "in_later_loads": ([[A, C], [A, B, C]], None),
    "bronze_keeping_the_latest_row": ([[C], [A], [B]], None),
}
SEQUENCED = {
    "scd1": [B],
    "scd2": [(*C, (9, 9), (10, 1)), (*A, (10, 1), (10, 2)), (*B, (10, 2), None)],
}
STRUCT = "STRUCT<ts: INT, lsn: INT>"


@pytest.fixture(scope="module", params=PATHS, ids=["-".join(path) for path in PATHS])
def sequenced(spark, request) -> Any:  # type: ignore[no-untyped-def]
    config = {"sequence_by": ["ts", "lsn"]}
    return loaded(spark, request.param, config, SEQUENCE_CASES, ORDERED)


@pytest.mark.parametrize("case", list(SEQUENCE_CASES))
def test_several_sequence_columns_order_by_the_first_then_the_next(
    sequenced: Any, case: str
) -> None:
    assert_case(sequenced, case, SEQUENCED[sequenced[0]], ORDERED, STRUCT)


# 2. ignore_null_updates and its column-list forms: a NULL in an update keeps the value before.
CONTACTS = "case STRING, id INT, name STRING, email STRING, phone STRING, seq INT, gone BOOLEAN"
FIRST, UPDATE = (1, "Ann", "a@x", "111", 1, False), (1, None, "b@x", None, 2, False)
GONE, BACK = (1, None, None, None, 2, True), (1, None, "c@x", None, 3, False)
CARRIED = "case STRING, id INT, name STRING, email STRING, phone STRING, seq INT"
FORMS = {
    "default": {},
    "ignore_null_updates": {"ignore_null_updates": True},
    "column_list": {"ignore_null_updates_column_list": ["phone"]},
    "except_column_list": {"ignore_null_updates_except_column_list": ["phone"]},
}
UPDATED = {  # id, name, email, phone of the update
    "default": (1, None, "b@x", None),
    "ignore_null_updates": (1, "Ann", "b@x", "111"),
    "column_list": (1, None, "b@x", "111"),
    "except_column_list": (1, "Ann", "b@x", None),
}
NEWER, LATE = (1, "Ann", "a@x", "111", 5, False), (1, "Old", "o@x", "000", 3, False)
LATER = (1, None, "b@x", None, 6, False)
NULL_CASES = {
    "in_one_batch": ([[FIRST, UPDATE]], None),
    "in_two_loads": ([[FIRST], [FIRST, UPDATE]], None),
    "bronze_keeping_the_latest_row": ([[FIRST], [UPDATE]], None),
    "a_delete_forgets_the_values": ([[FIRST, GONE, BACK]], None),
    "a_late_value_never_overwrites_a_newer_one": ([[NEWER], [LATE, LATER]], None),
}
NULL_PATHS = [(form, *path) for form in FORMS for path in PATHS]


def null_updates_expected(pipeline: str, form: str, case: str) -> list[tuple[Any, ...]]:
    """(id, name, email, phone, seq) rows, SCD2's with effective_from and effective_to."""
    if case == "a_delete_forgets_the_values":
        back = (1, None, "c@x", None, 3)
        return [back] if pipeline == "scd1" else [(*FIRST[:5], 1, 2), (*back, 3, None)]
    if case == "a_late_value_never_overwrites_a_newer_one":
        if pipeline == "scd1":
            return [(*UPDATED[form], 6)]
        return [(*LATE[:5], 3, 5), (*NEWER[:5], 5, 6), (*UPDATED[form], 6, 6, None)]
    if pipeline == "scd1":
        return [(*UPDATED[form], 2)]
    return [(*FIRST[:5], 1, 2), (*UPDATED[form], 2, 2, None)]


@pytest.fixture(scope="module", params=NULL_PATHS, ids=["-".join(path) for path in NULL_PATHS])
def null_updates(spark, request) -> Any:  # type: ignore[no-untyped-def]
    form, *path = request.param
    config = {
        "sequence_by": "seq",
        "apply_as_deletes": "gone = true",
        "except_column_list": ["gone"],
        **FORMS[form],
    }
    return form, loaded(spark, (path[0], path[1]), config, NULL_CASES, CONTACTS)


@pytest.mark.parametrize("case", list(NULL_CASES))
def test_a_null_in_an_update_keeps_the_value_of_an_ignored_column(
    null_updates: Any, case: str
) -> None:
    form, loads = null_updates
    assert_case(loads, case, null_updates_expected(loads[0], form, case), CARRIED)


# 3. column_list: only these columns (and the keys) are carried to silver.
LISTED_CASES = {"only_the_listed_columns_are_carried": ([[FIRST], [FIRST, UPDATE]], None)}
LISTED = {
    "scd1": [(1, None, "b@x", 2)],
    "scd2": [(1, "Ann", "a@x", 1, 1, 2), (1, None, "b@x", 2, 2, None)],
}


@pytest.fixture(scope="module", params=PATHS, ids=["-".join(path) for path in PATHS])
def listed(spark, request) -> Any:  # type: ignore[no-untyped-def]
    config = {
        "sequence_by": "seq",
        "apply_as_deletes": "gone",
        "column_list": ["name", "email", "seq"],
    }
    return loaded(spark, request.param, config, LISTED_CASES, CONTACTS)


def test_column_list_carries_only_its_columns_and_the_keys(listed: Any) -> None:
    case = "only_the_listed_columns_are_carried"
    assert_case(
        listed, case, LISTED[listed[0]], "case STRING, id INT, name STRING, email STRING, seq INT"
    )
