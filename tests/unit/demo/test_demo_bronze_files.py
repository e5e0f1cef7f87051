"""The demo's bronze data files: every table has one, each a generator or rows of its own, and
a file that cannot be read says where (tests/integration/test_demo_data.py writes them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from demo_support import BRONZE_DIR, silver_rows
from medallion_orchestrator.demo.bronze import BronzeTables
from medallion_orchestrator.demo.bronze_files import read_table_files
from medallion_orchestrator.errors import ConfigError


def test_every_silver_source_has_a_file_and_each_file_its_rows() -> None:
    tables = BronzeTables(BRONZE_DIR)  # refuses a file without a generator or its own rows
    assert {row.source for row in silver_rows()} <= set(tables.names())
    for table in tables.files:
        assert table.days[1], f"{table.key} has no day-1 rows"
        for pick in (*table.days[1], *table.days[2]):
            assert pick.low <= pick.high, f"{table.key}: {pick}"
            if table.rows:
                assert pick.high <= len(table.rows), f"{table.key}: {pick}"
                assert set(pick.set) <= {*table.columns, "_fivetran_synced", "_fivetran_deleted"}


def test_values_are_read_as_the_text_spark_casts(tmp_path: Path) -> None:
    (tmp_path / "s.t.yml").write_text(
        "columns: {a: BOOLEAN, b: DATE, c: STRING}\n"
        "rows: [[true, 2024-03-31, null]]\n"
        "day1: [{ids: 1, set: {b: 2024-03-01 18:45:00}}]\n"
    )
    (table,) = read_table_files(tmp_path)
    assert table.rows == (("true", "2024-03-31", None),)
    assert table.days[1][0].set == {"b": "2024-03-01 18:45:00"}
    assert (table.days[1][0].low, table.days[1][0].high) == (1, 1)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("day1: [{ids: 1}]\nday3: []\n", "unknown keys"),
        ("day1: [{ids: 1, sets: {}}]\n", "unknown keys"),
        (
            "columns: {a: INT}\nrows: [[1, 2]]\nday1: [{ids: 1}]\n",
            r"each row needs one value a column \(1\)",
        ),
        ("snapshot: true\nday1: [{ids: [1, 2]}]\n", "needs `day2`"),
        ("day2: [{ids: 1}]\n", "day1"),
    ],
)
def test_a_file_that_cannot_be_read_is_named(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "shop.things.yml").write_text(text)
    with pytest.raises(ConfigError, match=r"shop\.things\.yml: .*" + problem):
        read_table_files(tmp_path)


def test_a_generated_table_without_its_file_is_refused(tmp_path: Path) -> None:
    shutil.copytree(BRONZE_DIR, tmp_path, dirs_exist_ok=True)
    (tmp_path / "shop.orders.yml").unlink()
    with pytest.raises(ConfigError, match=r"\['shop\.orders'\] lack one"):
        BronzeTables(tmp_path)
