"""AUTO CDC's options, in its own names: several sequence columns, ignored NULL updates and a
column list, for SCD1 and SCD2, each committed every way (loader_support.COMMITS, LOADINGS).

Like test_loaders_scd1.py and test_loaders_scd2.py, every case is a key of one bronze table
loaded as many times as its longest case has batches, then once more with nothing new (bronze on
load n is the case's batch n, its last once it has no more); each test compares the whole slice
of its case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from integration.auto_cdc_example import USERS, USERS_CDF
from integration.loader_support import (
    COMMITS,
    IS_CURRENT,
    LOADINGS,
    PATHS,
    assert_rows,
    assert_table,
    bronze,
    fresh_schema,
    load,
    load_cases,
    row_for,
    version,
)
from integration.test_loaders_scd2 import BRONZE as SCD2_BRONZE
from integration.test_loaders_scd2 import CASES as SCD2_CASES
from integration.test_loaders_scd2 import CONFIG as SCD2_CONFIG
from integration.test_loaders_scd2 import SILVER as SCD2_SILVER
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders import commit
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.runtime.lakehouse import Lakehouse, lakehouse_for

pytestmark = pytest.mark.spark


def assert_case(
    loaded: Any, case: str, rows: list[tuple[Any, ...]], columns: str, sequence: str = "INT"
) -> None:
    """The case's slice equals `rows` (SCD2's with effective_from and effective_to), and the
    rerun with nothing new committed nothing."""
    pipeline, loads = loaded
    derive = None
    if pipeline == "scd2":
        columns += f", effective_from {sequence}, effective_to {sequence}"
        derive = IS_CURRENT
    expected = [(case, *row) for row in rows]
    assert_rows(loads["table"].where("case", case), expected, columns, derive)
    assert (loads["after"], loads["rerun"].rows_written) == (loads["before"], 0)


def loaded(
    spark: Any,
    path: tuple[str, str],
    config: dict[str, Any],
    cases: Any,
    bronze: str,
    key: str = "id",
    bronze_ready: Callable[[Any, str], None] | None = None,
) -> Any:
    """`cases` loaded by `path` (pipeline, commit path) into a table of their own;
    `bronze_ready(spark, schema)` creates the bronze table first."""
    pipeline, how = path
    schema = fresh_schema(f"auto_cdc_{pipeline}")
    if bronze_ready:
        bronze_ready(spark, schema)
    source, target = f"dev_bronze.{schema}.customers", f"dev_silver.{schema}.customers"
    row = row_for(source, target, pipeline, ["case", key], config)
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
# The forms decide the staged rows' values before the commit, which writes them as given: each
# form runs on both pipelines' ways of staging (SCD2's appended and rebuilt chains), and only
# the default form on every commit path as well.
NULL_PATHS = [
    (form, *path)
    for form in FORMS
    for path in PATHS
    if form == "default" or path in (("scd1", "merge"), ("scd2", "merge"), ("scd2", "rebuild"))
]


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


# 4. apply_as_truncates (SCD1): a truncate empties the target of everything sequenced before it,
# then the events after it apply. The AUTO CDC documentation's users feed with a truncate at 3
# leaves 125 only. A truncate is table-wide, so each case loads a table of its own.
USERS_BY_CASE = f"case STRING, {USERS}"
TRUNCATE_AT_3 = (None, None, None, "TRUNCATE", 3)
TRUNCATES = {
    "apply_as_deletes": "operation = 'DELETE'",
    "apply_as_truncates": "operation = 'TRUNCATE'",
}
DOCUMENTED = {**TRUNCATES, "except_column_list": ["operation", "sequenceNum"]}
SEQUENCE_KEPT = {**TRUNCATES, "except_column_list": ["operation"]}
TRUNCATE_CASES: dict[str, tuple[dict[str, Any], list[list[Any]], list[tuple[Any, ...]]]] = {
    "the_documented_feed": (
        DOCUMENTED,
        [[*USERS_CDF, TRUNCATE_AT_3]],
        [(125, "Mercedes", "Guadalajara")],
    ),
    "a_truncate_in_a_later_load_empties_what_is_before_it": (
        DOCUMENTED,
        [USERS_CDF[:4], [*USERS_CDF[4:], TRUNCATE_AT_3]],
        [(125, "Mercedes", "Guadalajara")],
    ),
    "bronze_keeping_every_event": (
        DOCUMENTED,
        [USERS_CDF[:4], [*USERS_CDF, TRUNCATE_AT_3]],
        [(125, "Mercedes", "Guadalajara")],
    ),
    "the_newest_of_several_truncates_counts": (
        DOCUMENTED,
        [
            [
                *USERS_CDF,
                TRUNCATE_AT_3,
                (127, "Ana", "Lima", "INSERT", 8),
                (None, None, None, "TRUNCATE", 7),
                (128, "Bo", "Quito", "INSERT", 4),
            ]
        ],
        [(127, "Ana", "Lima")],
    ),
    "a_late_truncate_keeps_the_rows_sequenced_after_it": (
        SEQUENCE_KEPT,
        [USERS_CDF, [TRUNCATE_AT_3]],
        [(125, "Mercedes", "Guadalajara", 6)],
    ),
}


@pytest.fixture(scope="module", params=COMMITS)
def truncated(spark, request) -> Any:  # type: ignore[no-untyped-def]
    return {
        case: loaded(
            spark,
            ("scd1", request.param),
            {**config, "sequence_by": "sequenceNum"},
            {case: (batches, None)},
            USERS_BY_CASE,
            key="userId",
        )
        for case, (config, batches, _) in TRUNCATE_CASES.items()
    }


@pytest.mark.parametrize("case", list(TRUNCATE_CASES))
def test_a_truncate_empties_the_target_of_everything_before_it(truncated: Any, case: str) -> None:
    config, _, rows = TRUNCATE_CASES[case]
    columns = "case STRING, userId INT, name STRING, city STRING"
    if "sequenceNum" not in config["except_column_list"]:
        columns += ", sequenceNum INT"
    assert_case(truncated[case], case, rows, columns)


def users_loaded(lakehouse: Lakehouse, unique: str) -> tuple[TaskRow, int | None]:
    """Users 123-126 loaded into a table of their own: its row, and the target's version."""
    source, target = f"dev_bronze.{unique}.users", f"dev_silver.{unique}.users"
    row = row_for(source, target, "scd1", ["userId"], {**DOCUMENTED, "sequence_by": "sequenceNum"})
    bronze(lakehouse, source, USERS_CDF[:4], USERS)
    load(lakehouse, row)
    return row, version(lakehouse, target)


def test_a_truncate_and_the_events_after_it_are_one_commit(
    lakehouse: Lakehouse, unique: str
) -> None:
    row, before = users_loaded(lakehouse, unique)
    bronze(lakehouse, row.source, [*USERS_CDF[4:], TRUNCATE_AT_3], USERS)
    load(lakehouse, row)
    assert version(lakehouse, row.destination) == before + 1  # type: ignore[operator]
    expected = [(125, "Mercedes", "Guadalajara")]
    assert_table(lakehouse, row.destination, expected, "userId INT, name STRING, city STRING")


@pytest.mark.parametrize("how", COMMITS)
def test_a_truncating_load_that_fails_to_commit_leaves_the_target_at_its_version(
    lakehouse: Lakehouse, unique: str, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    row, before = users_loaded(lakehouse, unique)
    bronze(lakehouse, row.source, [*USERS_CDF[4:], TRUNCATE_AT_3], USERS)

    def failing(*_: Any) -> None:
        raise RuntimeError("the commit failed")

    monkeypatch.setattr(commit, "rewrites_every_file", lambda *_: how == "rewrite")
    monkeypatch.setattr(commit, "_merge" if how == "merge" else "_rewrite", failing)
    with pytest.raises(RuntimeError, match="the commit failed"):
        load(lakehouse, row)
    assert version(lakehouse, row.destination) == before
    assert lakehouse.spark.table(lakehouse.table_of(row.destination)).count() == 4


# 8. history_columns "auto_cdc": SCD2 writes AUTO CDC's __START_AT and __END_AT, no is_current
# column; every SCD2 case (reruns, late events, deletes) gives the versions it gives by default.
AUTO_CDC_SILVER = SCD2_SILVER.replace("effective_from", "__START_AT").replace(
    "effective_to", "__END_AT"
)


@pytest.fixture(scope="module", params=LOADINGS)
def auto_cdc_history(spark, request) -> Any:  # type: ignore[no-untyped-def]
    config = {**SCD2_CONFIG, "history_columns": "auto_cdc"}
    return loaded(spark, ("scd2", request.param), config, SCD2_CASES, SCD2_BRONZE)


@pytest.mark.parametrize("case", list(SCD2_CASES))
def test_auto_cdc_history_columns_give_every_scd2_case_its_versions(
    auto_cdc_history: Any, case: str
) -> None:
    _, loads = auto_cdc_history
    expected = [(case, *row) for row in SCD2_CASES[case][1]]
    assert_rows(loads["table"].where("case", case), expected, AUTO_CDC_SILVER)
    assert (loads["after"], loads["rerun"].rows_written) == (loads["before"], 0)


# 9a. column_mapping: bronze columns with spaces and dots get silver names as the source is
# read; keys, sequence, delete condition and column lists name the silver names.
AWKWARD = "case STRING, `customer id` INT, `e.mail` STRING, `op type` STRING, seq INT"
MAPPED = {
    "column_mapping": {"customer id": "customer_id", "e.mail": "email", "op type": "op"},
    "sequence_by": "seq",
    "apply_as_deletes": "op = 'D'",
    "except_column_list": ["op"],
}
MAPPED_CASES = {
    "renamed_events_in_one_load": (
        [[(1, "a@x", "I", 1), (1, "b@x", "U", 2), (2, "c@x", "I", 1)]],
        {
            "scd1": [(1, "b@x", 2), (2, "c@x", 1)],
            "scd2": [(1, "a@x", 1, 1, 2), (1, "b@x", 2, 2, None), (2, "c@x", 1, 1, None)],
        },
    ),
    "a_delete_in_a_later_load": (
        [[(1, "a@x", "I", 1)], [(1, "a@x", "I", 1), (1, None, "D", 2)]],
        {"scd1": [], "scd2": [(1, "a@x", 1, 1, 2)]},
    ),
}


def with_column_mapping_mode(spark: Any, schema: str) -> None:
    """Delta takes spaces in column names only with column mapping: the bronze table has it."""
    lakehouse = lakehouse_for(spark)
    lakehouse.ensure_schema("dev_bronze", schema)
    table = lakehouse.table("dev_bronze", schema, "customers")
    empty = spark.createDataFrame([], AWKWARD).write.format("delta")
    empty.option("delta.columnMapping.mode", "name").saveAsTable(table)


@pytest.fixture(scope="module", params=PATHS, ids=["-".join(path) for path in PATHS])
def mapped(spark, request) -> Any:  # type: ignore[no-untyped-def]
    return loaded(
        spark,
        request.param,
        MAPPED,
        MAPPED_CASES,
        AWKWARD,
        key="customer_id",
        bronze_ready=with_column_mapping_mode,
    )


@pytest.mark.parametrize("case", list(MAPPED_CASES))
def test_column_mapping_gives_awkward_source_columns_their_silver_names(
    mapped: Any, case: str
) -> None:
    rows = MAPPED_CASES[case][1][mapped[0]]
    assert_case(mapped, case, rows, "case STRING, customer_id INT, email STRING, seq INT")


def test_a_column_mapping_that_does_not_fit_the_source_fails_naming_the_row(
    lakehouse: Lakehouse, unique: str
) -> None:
    source, target = f"dev_bronze.{unique}.users", f"dev_silver.{unique}.users"
    config = {"column_mapping": {"user id": "uid", "name": "city"}}
    row = row_for(source, target, "scd1", ["userId"], config)
    bronze(lakehouse, source, [(1, "Ann", "Lima")], "userId INT, name STRING, city STRING")
    message = (
        f"{target}: cdc_source_config.column_mapping names source column 'user id', which the "
        "source lacks; column_mapping maps 'name' to 'city', which the source already has"
    )
    with pytest.raises(LoadError, match=re.escape(message)):
        load(lakehouse, row)
    assert version(lakehouse, target) is None
