"""The transient classifier on a real delta-spark conflict: two writers of one Delta table."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from medallion_orchestrator.tasks import TaskStatus, outcome_from_exception
from medallion_orchestrator.transient import is_concurrent_conflict, is_transient

pytestmark = pytest.mark.spark


def wait_for(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never came"
        time.sleep(0.05)


def test_a_delete_that_loses_to_a_concurrent_append_is_transient(
    lakehouse, unique: str, tmp_path: Path
) -> None:
    lakehouse.ensure_schema("dev_silver", unique)
    table = lakehouse.table("dev_silver", unique, "orders")
    rows = lakehouse.spark.range(10).selectExpr("id", "id * 10 AS amount").coalesce(1)
    rows.write.format("delta").saveAsTable(table)  # one file: the held DELETE takes one core
    reading, go = tmp_path / "reading", tmp_path / "go"

    def held(value: int) -> bool:
        """The DELETE's condition: it holds the DELETE after its read, until `go` (60 s)."""
        reading.touch()
        deadline = time.monotonic() + 60
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return value == 3

    lakehouse.spark.udf.register("held", held, "boolean")
    raised: list[Exception] = []

    def delete() -> None:
        from delta.tables import DeltaTable

        try:
            DeltaTable.forName(lakehouse.spark, table).delete("held(id)")
        except Exception as error:
            raised.append(error)

    deleting = threading.Thread(target=delete)
    deleting.start()
    wait_for(reading)
    # Not a blind append (it reads the table), so it conflicts even under WriteSerializable.
    lakehouse.spark.sql(f"INSERT INTO {table} SELECT id + 100, amount FROM {table}")
    go.touch()
    deleting.join(timeout=120)

    [error] = raised
    assert "ConcurrentAppendException" in f"{type(error).__name__} {error}"
    assert is_concurrent_conflict(error)
    assert is_transient(error)
    outcome = outcome_from_exception(error)
    assert (outcome.status, outcome.transient) == (TaskStatus.FAILED, True)
