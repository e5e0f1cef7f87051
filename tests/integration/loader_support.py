"""What the loader tests share: bronze writes, running a loader, whole-table comparison."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from chispa.rows_comparer import assert_basic_rows_equality
from pyspark.sql import Row
from pyspark.sql.types import StructType

from integration.helpers import task_row, version, write_table
from medallion_orchestrator.loaders import commit, events
from medallion_orchestrator.loaders.common import LoadResult
from medallion_orchestrator.loaders.fact_overwrite import load_fact_overwrite
from medallion_orchestrator.loaders.incremental_merge import load_incremental_merge
from medallion_orchestrator.loaders.scd1 import load_scd1
from medallion_orchestrator.loaders.scd2 import load_scd2
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.runtime.lakehouse import Lakehouse
from names import fresh_name

LOADERS = {
    "scd1": load_scd1,
    "scd2": load_scd2,
    "fact_overwrite": load_fact_overwrite,
    "fact_incremental_merge": load_incremental_merge,
}


def fresh_schema(prefix: str) -> str:
    """A schema name no other test of the session uses (for module-scoped fixtures)."""
    return fresh_name(prefix)


def row_for(
    source: str, target: str, pipeline: str, keys: list[str], config: dict[str, Any], **extra: Any
) -> TaskRow:
    return task_row(source, target, pipeline, keys=keys, config=config, **extra)


def load(lakehouse: Lakehouse, row: TaskRow) -> LoadResult:
    loader = LOADERS[row.execution_pipeline or ""]
    return loader(lakehouse, LoadSpec.of(row))


def bronze(lakehouse: Lakehouse, name: str, rows: list[tuple[Any, ...]], schema: str) -> None:
    write_table(lakehouse, name, rows, schema)


COMMITS = ["merge", "rewrite"]
# how SCD2 loads: COMMITS, or "rebuild": committed by rewrite, every touched key rebuilt
LOADINGS = [*COMMITS, "rebuild"]
# (pipeline, how) for every way an SCD1 or SCD2 load commits
PATHS = [("scd1", how) for how in COMMITS] + [("scd2", how) for how in LOADINGS]
# ... and of the incremental merge, which shares SCD1's upsert
UPSERT_PATHS = [*PATHS, *[("fact_incremental_merge", how) for how in COMMITS]]


@contextmanager
def committing(how: str) -> Iterator[None]:
    """Every load commits by MERGE or by rewrite, whatever files its changes touch; with
    "rebuild", SCD2 also rebuilds the chain of every touched key (no appended keys)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(commit, "rewrites_every_file", lambda *_: how != "merge")
        if how == "rebuild":
            per_key = events._per_key

            def nothing_appended(*args: Any) -> Any:
                from pyspark.sql import functions as F

                rolled, touched, _ = per_key(*args)
                return rolled, touched, F.lit(False)

            patch.setattr(events, "_per_key", nothing_appended)
        yield


def load_cases(
    lakehouse: Lakehouse,
    row: TaskRow,
    cases: dict[str, tuple[list[list[tuple[Any, ...]]], Any]],
    schema: str,
    loads: int,
    how: str,
) -> dict[str, Any]:
    """Every case is a key of one bronze table: load n gets each case's batch n (its last once
    it has no more). Load `loads` times, then once more with nothing new; commit by `how`."""
    source, target = row.source, row.destination
    with committing(how):
        for number in range(loads):
            rows = [
                (case, *event)
                for case, (batches, _) in cases.items()
                for event in batches[min(number, len(batches) - 1)]
            ]
            bronze(lakehouse, source, rows, schema)
            load(lakehouse, row)
        before = version(lakehouse, target)
        rerun = load(lakehouse, row)
    return {
        "lakehouse": lakehouse,
        "target": target,
        "before": before,
        "rerun": rerun,
        "after": version(lakehouse, target),
        "table": Snapshot.of(lakehouse, target),
    }


def last_operation(lakehouse: Lakehouse, name: str) -> str:
    table = lakehouse.table_of(name)
    return str(lakehouse.spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()["operation"])


def assert_table(
    lakehouse: Lakehouse,
    name: str,
    rows: list[tuple[Any, ...]],
    schema: str,
    where: str | None = None,
    derive: Derived | None = None,
) -> None:
    """The whole table (or the rows `where` selects) equals `rows`, in any order, column by
    column of `schema` and of what `derive` adds to each expected row."""
    actual = lakehouse.spark.table(lakehouse.table_of(name))
    if where:
        actual = actual.where(where)
    assert_rows(Snapshot(actual.schema, actual.collect()), rows, schema, derive)


@dataclass(frozen=True)
class Snapshot:
    """A table's rows read once: a module fixture's target, whose tests only compare slices."""

    schema: StructType
    rows: list[Row]

    @classmethod
    def of(cls, lakehouse: Lakehouse, name: str) -> Snapshot:
        frame = lakehouse.spark.table(lakehouse.table_of(name))
        return cls(frame.schema, frame.collect())

    def where(self, column: str, value: Any) -> Snapshot:
        return Snapshot(self.schema, [row for row in self.rows if row[column] == value])

    def without(self, *columns: str) -> Snapshot:
        kept = StructType([field for field in self.schema.fields if field.name not in columns])
        shaped = Row(*kept.names)
        return Snapshot(kept, [shaped(*[row[name] for name in kept.names]) for row in self.rows])


@dataclass(frozen=True)
class Derived:
    """A column of the table computed from each expected row (as a dict), with its type."""

    name: str
    kind: str
    value: Callable[[dict[str, Any]], Any]


IS_CURRENT = Derived("is_current", "BOOLEAN", lambda row: row["effective_to"] is None)


def assert_rows(
    actual: Snapshot, rows: list[tuple[Any, ...]], schema: str, derive: Derived | None = None
) -> None:
    """Same columns (names and types, nullability aside, in any order) and the same rows in any
    order; chispa's table of both sides when they differ."""
    declared = f"{schema}, `{derive.name}` {derive.kind}" if derive else schema
    expected_schema = StructType.fromDDL(declared)
    wanted = {field.name: field.dataType.simpleString() for field in expected_schema.fields}
    found = {field.name: field.dataType.simpleString() for field in actual.schema.fields}
    assert found == wanted, f"columns differ:\n  table    {found}\n  expected {wanted}"
    names = list(wanted)
    given_names = names[:-1] if derive else names
    shaped = Row(*names)
    expected = []
    for values in rows:
        given = dict(zip(given_names, values, strict=True))
        if derive:
            given[derive.name] = derive.value(given)
        expected.append(shaped(*[_plain(given[name]) for name in names]))
    table = [shaped(*[_plain(row[name]) for name in names]) for row in actual.rows]
    assert_basic_rows_equality(sorted(table, key=repr), sorted(expected, key=repr))


def _plain(value: Any) -> Any:
    """Structs as tuples, so a struct read back equals the tuple it was given as."""
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
