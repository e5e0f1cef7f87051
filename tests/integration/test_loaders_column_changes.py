"""A bronze column renamed but for case is the silver column it was (Spark and Delta resolve
names regardless of case).

A bronze column whose type changes. A type the target's column holds loads as before; one it
cannot hold fails naming the change (test_loaders_failures.py), and once the target is widened
with the statements the error gives, the same load stores the values unchanged (2.5 stays 2.5),
and a rerun commits nothing. A change Delta cannot make in place (int to string) is applied by
a full refresh, as AUTO CDC asks for one: the table rebuilt with the new type, in one commit,
its comment, properties and other columns kept."""

from __future__ import annotations

import re
from typing import Any

import pytest

from integration.loader_support import (
    UPSERT_PATHS,
    bronze,
    committing,
    fresh_schema,
    load,
    row_for,
    version,
)
from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.dispatch import load_dimension, load_incremental
from medallion_orchestrator.runtime.lakehouse import Lakehouse, lakehouse_for

pytestmark = pytest.mark.spark

CONFIG = {
    "scd1": {"sequence_column": "seq"},
    "scd2": {"sequence_column": "seq"},
    "fact_incremental_merge": {"sequence_column": "seq", "watermark_column": "seq"},
}
DAY_1 = ([(1, "a", 10, 1), (2, "b", 20, 1)], "id INT, name STRING, score INT, seq INT")
WIDER = "id INT, name STRING, score DOUBLE, seq DOUBLE"
NARROWER = "id INT, name STRING, score SMALLINT, seq TINYINT"
GRADED = ([(1, "A+", 2), (2, "B", 1)], "id INT, Score STRING, seq INT")  # and name dropped
ALTER = re.compile(r"ALTER TABLE \S+ (?:SET TBLPROPERTIES \(.*?\)|ALTER COLUMN `\w+` TYPE \w+)")


def first_load(lakehouse: Lakehouse, pipeline: str) -> tuple[str, Any]:
    schema = fresh_schema("types")
    source, target = f"dev_bronze.{schema}.source", f"dev_silver.{schema}.{pipeline}"
    bronze(lakehouse, source, *DAY_1)
    row = row_for(source, target, pipeline, ["id"], CONFIG[pipeline], primary_key_columns=["id"])
    load(lakehouse, row)
    return source, row


def current(lakehouse: Lakehouse, target: str) -> list[tuple[Any, ...]]:
    rows = lakehouse.sql(f"SELECT * FROM {target}").collect()
    if "is_current" in rows[0].asDict():
        rows = [row for row in rows if row["is_current"]]
    named = [{name.lower(): value for name, value in row.asDict().items()} for row in rows]
    return sorted((row["id"], row["score"], row["seq"]) for row in named)


@pytest.mark.parametrize("pipeline", list(CONFIG))
def test_a_column_renamed_but_for_case_loads_into_the_same_column(spark, pipeline: str) -> None:  # type: ignore[no-untyped-def]
    lakehouse = lakehouse_for(spark)
    source, row = first_load(lakehouse, pipeline)
    bronze(
        lakehouse,
        source,
        [(1, "a", 11, 2), (2, "b", 20, 1)],
        "id INT, Name STRING, SCORE INT, seq INT",
    )

    load(lakehouse, row)

    assert current(lakehouse, row.destination) == [(1, 11, 2), (2, 20, 1)]
    columns = lakehouse.sql(f"SELECT * FROM {row.destination}").columns
    assert [c for c in columns if c.lower() in ("name", "score")] == ["name", "score"]


@pytest.mark.parametrize("pipeline", list(CONFIG))
def test_a_target_widened_as_the_error_says_takes_the_wider_values(spark, pipeline: str) -> None:  # type: ignore[no-untyped-def]
    lakehouse = lakehouse_for(spark)
    source, row = first_load(lakehouse, pipeline)
    target = row.destination
    bronze(lakehouse, source, [(1, "a", 10.5, 2.5), (2, "b", 20.0, 1.0)], WIDER)
    with pytest.raises(LoadError) as refused:
        load(lakehouse, row)

    for statement in ALTER.findall(str(refused.value)):
        lakehouse.sql(statement)
    widened = version(lakehouse, target)
    load(lakehouse, row)

    assert current(lakehouse, target) == [(1, 10.5, 2.5), (2, 20.0, 1.0)]
    assert load(lakehouse, row).rows_written == 0
    assert version(lakehouse, target) == widened + 1


BIGGER = "id INT, name STRING, score BIGINT, seq BIGINT"


@pytest.mark.parametrize(("pipeline", "how"), UPSERT_PATHS)
def test_a_target_with_type_widening_on_widens_itself(spark, pipeline: str, how: str) -> None:  # type: ignore[no-untyped-def]
    """As Delta's MERGE WITH SCHEMA EVOLUTION and AUTO CDC widen such a table's columns."""
    lakehouse = lakehouse_for(spark)
    source, row = first_load(lakehouse, pipeline)
    target = row.destination
    lakehouse.sql(f"ALTER TABLE {target} SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true')")
    bronze(lakehouse, source, [(1, "a", 5_000_000_000, 3_000_000_000), (2, "b", 20, 1)], BIGGER)

    with committing(how):
        load(lakehouse, row)
        widened = version(lakehouse, target)
        assert load(lakehouse, row).rows_written == 0

    assert current(lakehouse, target) == [(1, 5_000_000_000, 3_000_000_000), (2, 20, 1)]
    kinds = dict(lakehouse.sql(f"SELECT * FROM {target}").dtypes)
    assert (kinds["score"], kinds["seq"]) == ("bigint", "bigint")
    assert version(lakehouse, target) == widened


def test_type_widening_on_leaves_integers_to_doubles_to_the_user(spark) -> None:  # type: ignore[no-untyped-def]
    """Delta widens integers to decimals or doubles only when told, never by itself (the rule
    for each type: tests/unit/loaders/test_column_types.py)."""
    lakehouse = lakehouse_for(spark)
    source, row = first_load(lakehouse, "scd2")
    target = row.destination
    lakehouse.sql(f"ALTER TABLE {target} SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true')")
    before = version(lakehouse, target)
    bronze(
        lakehouse,
        source,
        [(1, "a", 10.5, 2), (2, "b", 20.0, 1)],
        "id INT, name STRING, score DOUBLE, seq INT",
    )

    with pytest.raises(
        LoadError, match=r"cannot hold: score int->double;.*ALTER COLUMN `score` TYPE double"
    ):
        load(lakehouse, row)

    assert version(lakehouse, target) == before


@pytest.mark.parametrize("pipeline", list(CONFIG))
def test_a_narrower_source_type_loads_as_before(spark, pipeline: str) -> None:  # type: ignore[no-untyped-def]
    lakehouse = lakehouse_for(spark)
    source, row = first_load(lakehouse, pipeline)
    bronze(lakehouse, source, [(1, "a", 11, 2), (2, "b", 20, 1)], NARROWER)

    load(lakehouse, row)

    assert current(lakehouse, row.destination) == [(1, 11, 2), (2, 20, 1)]
    kinds = dict(lakehouse.sql(f"SELECT * FROM {row.destination}").dtypes)
    assert (kinds["score"], kinds["seq"]) == ("int", "int")


@pytest.mark.parametrize("pipeline", list(CONFIG))
def test_a_full_refresh_rebuilds_the_table_with_the_new_type(spark, pipeline: str) -> None:  # type: ignore[no-untyped-def]
    lakehouse = lakehouse_for(spark)
    source, row = first_load(lakehouse, pipeline)
    target = row.destination
    lakehouse.sql(f"COMMENT ON TABLE {target} IS 'graded'")
    lakehouse.sql(f"ALTER TABLE {target} SET TBLPROPERTIES ('team' = 'grades')")
    bronze(lakehouse, source, *GRADED)
    with pytest.raises(LoadError, match=rf"or rebuild it: --full-refresh {target}\.$"):
        load(lakehouse, row)
    before = version(lakehouse, target)

    refresh = load_incremental if pipeline == "fact_incremental_merge" else load_dimension
    refresh(lakehouse, row, full_refresh=True)

    assert current(lakehouse, target) == [(1, "A+", 2), (2, "B", 1)]
    assert dict(lakehouse.sql(f"SELECT * FROM {target}").dtypes)["Score"] == "string"  # bronze's
    names = lakehouse.sql(f"SELECT DISTINCT name FROM {target}").collect()
    assert names == [(None,)]  # a column bronze dropped is kept, as a load keeps it
    assert version(lakehouse, target) == before + 1
    detail = lakehouse.sql(f"DESCRIBE DETAIL {target}").first()
    assert (detail["description"], detail["properties"].get("team")) == ("graded", "grades")
    assert load(lakehouse, row).rows_written == 0
