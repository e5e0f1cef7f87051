"""The transient classifier on a real delta-spark conflict: two writers of one Delta table."""

from __future__ import annotations

import os
import select
import threading
from pathlib import Path

import pytest

from medallion_orchestrator.tasks import TaskStatus, outcome_from_exception
from medallion_orchestrator.transient import is_concurrent_conflict, is_transient

pytestmark = pytest.mark.spark


def signal(fifo: Path, seconds: float = 60) -> int:
    """A descriptor reading `fifo` without blocking on its open; readable once the other side
    writes, within `seconds` (the UDF's Python worker is another process: no threading.Event)."""
    descriptor = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    ready, _, _ = select.select([descriptor], [], [], seconds)
    assert ready, f"{fifo.name} never came"
    return descriptor


def test_a_delete_that_loses_to_a_concurrent_append_is_transient(
    lakehouse, unique: str, tmp_path: Path
) -> None:
    lakehouse.ensure_schema("dev_silver", unique)
    table = lakehouse.table("dev_silver", unique, "orders")
    rows = lakehouse.spark.range(10).selectExpr("id", "id * 10 AS amount").coalesce(1)
    rows.write.format("delta").saveAsTable(table)  # one file: the held DELETE takes one core
    reading, go, released = tmp_path / "reading", tmp_path / "go", tmp_path / "released"
    os.mkfifo(reading)
    os.mkfifo(go)

    def held(value: int) -> bool:
        """The DELETE's condition: on its first row it says it is reading, then holds the DELETE
        until `go` (60 s at most). Its later rows, and the rewrite's second pass, go on."""
        if not released.exists():
            waiting = os.open(go, os.O_RDONLY | os.O_NONBLOCK)
            with reading.open("w") as said:  # blocks until the test listens
                said.write("reading")
            select.select([waiting], [], [], 60)
            os.close(waiting)
            released.touch()
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
    os.close(signal(reading))
    # Not a blind append (it reads the table), so it conflicts even under WriteSerializable.
    lakehouse.spark.sql(f"INSERT INTO {table} SELECT id + 100, amount FROM {table}")
    release = os.open(go, os.O_WRONLY | os.O_NONBLOCK)  # the DELETE holds it open
    os.write(release, b"go")
    os.close(release)
    deleting.join(timeout=120)

    [error] = raised
    assert "ConcurrentAppendException" in f"{type(error).__name__} {error}"
    assert is_concurrent_conflict(error)
    assert is_transient(error)
    outcome = outcome_from_exception(error)
    assert (outcome.status, outcome.transient) == (TaskStatus.FAILED, True)
