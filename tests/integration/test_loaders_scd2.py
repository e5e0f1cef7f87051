"""SCD2 on every edge case: each case is a key of one bronze table loaded three times.

Every case of CASES has its own `case` value in a composite business key (case, id), so one
sequence of loads serves them all; each test then compares the whole slice of its case.
Bronze on load n is the case's batch n (its last batch once it has no more).
"""

from __future__ import annotations

from typing import Any

import pytest

from integration.auto_cdc_example import USERS, USERS_CDF
from integration.loader_support import (
    IS_CURRENT,
    LOADINGS,
    Derived,
    assert_rows,
    assert_table,
    bronze,
    fresh_schema,
    load,
    load_cases,
    row_for,
    version,
)
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.runtime.lakehouse import Lakehouse, lakehouse_for

pytestmark = pytest.mark.spark

BRONZE = "case STRING, id INT, name STRING, city STRING, points INT, seq INT, deleted BOOLEAN"
SILVER = (
    "case STRING, id INT, name STRING, city STRING, points INT, seq INT, "
    "effective_from INT, effective_to INT"
)
CONFIG = {
    "sequence_column": "seq",
    "delete_condition": "deleted = true",
    "exclude_columns": ["deleted"],
    "track_history_except_columns": ["points"],
}
LOADS = 3


def e(id_: int, name: str | None, city: str | None, points: int, seq: int, gone: bool = False):
    """A bronze event."""
    return (id_, name, city, points, seq, gone)


A1, C5 = e(1, "a", "x", 0, 1), e(1, "c", "x", 0, 5)
# case -> (bronze batch per load, expected versions: id, name, city, points, seq, from, to)
CASES: dict[str, tuple[list[list[tuple[Any, ...]]], list[tuple[Any, ...]]]] = {
    "several_events_of_a_key_in_one_batch_are_versions_in_order": (
        [[e(1, "c", "x", 0, 3), e(1, "a", "x", 0, 1), e(1, "b", "x", 0, 2)]],
        [(1, "a", "x", 0, 1, 1, 2), (1, "b", "x", 0, 2, 2, 3), (1, "c", "x", 0, 3, 3, None)],
    ),
    "exact_duplicate_rows_count_once": (
        [[A1, A1, e(2, "b", "x", 0, 1), e(2, "b", "x", 0, 1), e(2, "c", "x", 0, 2)]],
        [(1, "a", "x", 0, 1, 1, None), (2, "b", "x", 0, 1, 1, 2), (2, "c", "x", 0, 2, 2, None)],
    ),
    "an_event_equal_to_the_current_version_makes_no_version": (
        [[A1], [A1, e(1, "a", "x", 0, 2)]],
        [(1, "a", "x", 0, 2, 1, None)],
    ),
    "a_change_only_in_untracked_columns_updates_in_place": (
        [[A1], [A1, e(1, "a", "x", 7, 2)]],
        [(1, "a", "x", 7, 2, 1, None)],
    ),
    "value_to_null_is_a_change": (
        [[A1], [A1, e(1, "a", None, 0, 2)]],
        [(1, "a", "x", 0, 1, 1, 2), (1, "a", None, 0, 2, 2, None)],
    ),
    "null_to_value_is_a_change": (
        [[e(1, "a", None, 0, 1)], [e(1, "a", None, 0, 1), e(1, "a", "x", 0, 2)]],
        [(1, "a", None, 0, 1, 1, 2), (1, "a", "x", 0, 2, 2, None)],
    ),
    "null_to_null_is_no_change": (
        [[e(1, "a", None, 0, 1)], [e(1, "a", None, 0, 1), e(1, "a", None, 5, 2)]],
        [(1, "a", None, 5, 2, 1, None)],
    ),
    "a_late_event_is_slotted_into_history": (
        [[A1, C5], [A1, C5, e(1, "b", "x", 0, 3)]],
        [(1, "a", "x", 0, 1, 1, 3), (1, "b", "x", 0, 3, 3, 5), (1, "c", "x", 0, 5, 5, None)],
    ),
    "a_late_event_equal_to_its_predecessor_makes_no_version": (
        [[A1, C5], [A1, C5, e(1, "a", "x", 0, 3)]],
        [(1, "a", "x", 0, 3, 1, 5), (1, "c", "x", 0, 5, 5, None)],
    ),
    "a_late_event_before_the_first_version_starts_the_history": (
        [[C5], [C5, e(1, "a", "x", 0, 2)]],
        [(1, "a", "x", 0, 2, 2, 5), (1, "c", "x", 0, 5, 5, None)],
    ),
    "a_late_untracked_change_updates_only_its_own_version": (
        [[A1, C5], [A1, C5, e(1, "a", "x", 9, 3)]],
        [(1, "a", "x", 9, 3, 1, 5), (1, "c", "x", 0, 5, 5, None)],
    ),
    "a_delete_closes_the_current_version_at_its_sequence": (
        [[A1], [A1, e(1, "zz", "zz", 3, 2, True)]],
        [(1, "a", "x", 0, 1, 1, 2)],
    ),
    "a_key_back_after_a_delete_gets_a_new_version": (
        [[A1, e(1, "a", "x", 0, 2, True)], [A1, e(1, "a", "x", 0, 2, True), e(1, "a", "x", 0, 3)]],
        [(1, "a", "x", 0, 1, 1, 2), (1, "a", "x", 0, 3, 3, None)],
    ),
    "a_late_delete_is_slotted_into_history": (
        [[A1, C5], [A1, C5, e(1, "a", "x", 0, 3, True)]],
        [(1, "a", "x", 0, 1, 1, 3), (1, "c", "x", 0, 5, 5, None)],
    ),
    "a_delete_of_an_unknown_key_does_nothing": ([[e(1, "a", "x", 0, 1, True)]], []),
    "bronze_keeping_only_the_latest_row_per_key_builds_history": (
        [[A1], [e(1, "b", "x", 0, 2)], [e(1, "b", "x", 4, 3)]],
        [(1, "a", "x", 0, 1, 1, 2), (1, "b", "x", 4, 3, 2, None)],
    ),
    "an_older_untracked_event_never_overwrites_a_newer_one": (
        [[A1], [e(1, "a", "x", 9, 4)], [e(1, "a", "x", 3, 3)]],
        [(1, "a", "x", 9, 4, 1, None)],
    ),
    "a_new_key_in_a_later_load_is_inserted": (
        [[A1], [A1, e(2, "b", "y", 0, 2)]],
        [(1, "a", "x", 0, 1, 1, None), (2, "b", "y", 0, 2, 2, None)],
    ),
}


@pytest.fixture(scope="module", params=LOADINGS)
def cases(spark, request) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Every case loaded LOADS times and once more with nothing new: committed by MERGE or by
    rewrite, and with every touched key rebuilt."""
    schema = fresh_schema("scd2_cases")
    source, target = f"dev_bronze.{schema}.customers", f"dev_silver.{schema}.customers"
    row = row_for(
        source, target, "scd2", ["case", "id"], CONFIG, primary_key_columns=["customer_sk"]
    )
    return load_cases(lakehouse_for(spark), row, CASES, BRONZE, LOADS, request.param)


@pytest.mark.parametrize("case", list(CASES))
def test_scd2_case(cases: dict[str, Any], case: str) -> None:
    expected = [(case, *version_row) for version_row in CASES[case][1]]
    versions = cases["table"].where("case", case).without("customer_sk")
    assert_rows(versions, expected, SILVER, IS_CURRENT)


def test_each_surrogate_key_is_the_hash_of_the_key_and_its_start(cases: dict[str, Any]) -> None:
    """customer_sk as the loader documents it, on every version of every case."""
    table = cases["lakehouse"].table_of(cases["target"])
    query = f"""SELECT count(*) AS versions,
        count_if(customer_sk <=> xxhash64(`case`, id, effective_from)) AS hashed FROM {table}"""
    counts = cases["lakehouse"].spark.sql(query).first()
    assert counts["versions"] == sum(len(rows) for _, rows in CASES.values())
    assert counts["hashed"] == counts["versions"]


def test_a_rerun_with_no_new_bronze_data_commits_nothing(cases: dict[str, Any]) -> None:
    assert cases["after"] == cases["before"]
    assert cases["rerun"].rows_written == 0
    assert cases["rerun"].message.startswith("unchanged")


AUTO_CDC = {
    "sequence_column": "sequenceNum",
    "delete_condition": "operation = 'DELETE'",
    "exclude_columns": ["operation", "sequenceNum"],
    "effective_from_column": "__START_AT",
    "effective_to_column": "__END_AT",
}
HISTORY = "userId INT, name STRING, city STRING, __START_AT INT, __END_AT INT"
EVERY_CHANGE = [
    (123, "Isabel", "Monterrey", 1, 5),
    (123, "Isabel", "Chihuahua", 5, 6),
    (124, "Raul", "Oaxaca", 1, None),
    (125, "Mercedes", "Tijuana", 2, 5),
    (125, "Mercedes", "Mexicali", 5, 6),
    (125, "Mercedes", "Guadalajara", 6, None),
    (126, "Lily", "Cancun", 2, None),
]
CITY_UNTRACKED = [
    (123, "Isabel", "Chihuahua", 1, 6),
    (124, "Raul", "Oaxaca", 1, None),
    (125, "Mercedes", "Guadalajara", 2, None),
    (126, "Lily", "Cancun", 2, None),
]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [({}, EVERY_CHANGE), ({"track_history_except_columns": ["city"]}, CITY_UNTRACKED)],
    ids=["every_column_tracked", "city_untracked"],
)
@pytest.mark.parametrize("batches", [[USERS_CDF], [USERS_CDF[:4], USERS_CDF[4:]]], ids=["1", "2"])
def test_the_auto_cdc_documentation_example(
    lakehouse: Lakehouse, unique: str, extra: dict[str, Any], expected: list[Any], batches: Any
) -> None:
    source, target = f"dev_bronze.{unique}.users", f"dev_silver.{unique}.users"
    row = row_for(source, target, "scd2", ["userId"], {**AUTO_CDC, **extra})
    for batch in batches:
        bronze(lakehouse, source, batch, USERS)
        load(lakehouse, row)
    assert_table(
        lakehouse,
        target,
        expected,
        HISTORY,
        derive=Derived("is_current", "BOOLEAN", lambda row: row["__END_AT"] is None),
    )


def test_without_a_sequence_column_the_load_time_orders_the_events(
    lakehouse: Lakehouse, unique: str
) -> None:
    source, target = f"dev_bronze.{unique}.stores", f"dev_silver.{unique}.stores"
    row = row_for(source, target, "scd2", ["id"], {})
    bronze(lakehouse, source, [(1, "a"), (2, "b")], "id INT, name STRING")
    load(lakehouse, row)
    bronze(lakehouse, source, [(1, "a2"), (2, "b")], "id INT, name STRING")
    load(lakehouse, row)
    before = version(lakehouse, target)
    assert load(lakehouse, row).rows_written == 0
    assert version(lakehouse, target) == before
    table = lakehouse.spark.table(lakehouse.table_of(target))
    rows = {(r["id"], r["name"]): r for r in table.collect()}
    assert set(rows) == {(1, "a"), (1, "a2"), (2, "b")}
    assert rows[(1, "a")]["effective_to"] == rows[(1, "a2")]["effective_from"]
    assert rows[(1, "a")]["effective_from"] < rows[(1, "a2")]["effective_from"]
    assert [r["is_current"] for r in (rows[(1, "a")], rows[(1, "a2")], rows[(2, "b")])] == [
        False,
        True,
        True,
    ]
    bronze(lakehouse, source, [(1, "x"), (1, "y")], "id INT, name STRING")
    with pytest.raises(LoadError, match=r"different rows for key \(id=1\) and no sequence_column"):
        load(lakehouse, row)
    assert version(lakehouse, target) == before


def test_full_extract_closes_missing_keys_and_reopens_returning_ones(
    lakehouse: Lakehouse, unique: str
) -> None:
    source, target = f"dev_bronze.{unique}.regions", f"dev_silver.{unique}.regions"
    row = row_for(source, target, "scd2", ["id"], {"sequence_column": "seq", "full_extract": True})
    schema = "id INT, name STRING, seq INT"
    bronze(lakehouse, source, [(1, "a", 1), (2, "b", 1), (3, "c", 1)], schema)
    load(lakehouse, row)
    bronze(lakehouse, source, [(1, "a", 1), (3, "c", 2)], schema)
    load(lakehouse, row)
    before = version(lakehouse, target)
    load(lakehouse, row)
    assert version(lakehouse, target) == before
    bronze(lakehouse, source, [(1, "a", 1), (2, "b2", 3), (3, "c", 2)], schema)
    load(lakehouse, row)
    assert_table(
        lakehouse,
        target,
        [(1, "a", 1, 1, None), (2, "b", 1, 1, 2), (2, "b2", 3, 3, None), (3, "c", 2, 1, None)],
        "id INT, name STRING, seq INT, effective_from INT, effective_to INT",
        derive=IS_CURRENT,
    )


def test_keys_whose_new_event_is_their_newest_skip_the_rebuild(
    lakehouse: Lakehouse, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from medallion_orchestrator.loaders import scd2

    calls: dict[str, int] = {}
    for name in ("appended_changes", "_rebuilt"):
        original = getattr(scd2, name)

        def counted(*args: Any, _name: str = name, _original: Any = original) -> Any:
            calls[_name] = calls.get(_name, 0) + 1
            return _original(*args)

        monkeypatch.setattr(scd2, name, counted)
    source, target = f"dev_bronze.{unique}.stores", f"dev_silver.{unique}.stores"
    row = row_for(source, target, "scd2", ["id"], {"sequence_column": "seq"})
    schema = "id INT, name STRING, seq INT"
    bronze(lakehouse, source, [(1, "a", 1), (2, "b", 1), (3, "c", 1)], schema)
    load(lakehouse, row)
    calls.clear()
    late = (3, "c0", 0)
    bronze(lakehouse, source, [(1, "a2", 2), (2, "b", 1), (3, "c", 1), late], schema)
    assert load(lakehouse, row).message.endswith(": 2 inserted, 1 updated, 0 deleted")
    assert calls == {"appended_changes": 1, "_rebuilt": 1}
    expected = [
        (1, "a", 1, 1, 2),
        (1, "a2", 2, 2, None),
        (2, "b", 1, 1, None),
        (3, "c0", 0, 0, 1),
        (3, "c", 1, 1, None),
    ]
    assert_table(
        lakehouse,
        target,
        expected,
        f"{schema}, effective_from INT, effective_to INT",
        derive=IS_CURRENT,
    )
