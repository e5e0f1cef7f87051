"""Writes the class archive (class_archive.py) in its own short process, started in the
background by the first local session that finds none: a JVM runs a few Delta statements, so
that the classes a load needs are loaded, and exits, writing them.

    python -m medallion_orchestrator.runtime.archive_writer ARCHIVE
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

from medallion_orchestrator.runtime import class_archive
from medallion_orchestrator.runtime.local_spark import archive_writing_spark

logger = logging.getLogger(__name__)

# what a run does in a fresh JVM: create, append, MERGE, UPDATE, DELETE, read, history
STATEMENTS = (
    "CREATE TABLE warm (id BIGINT, name STRING, at TIMESTAMP) USING delta "
    "TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')",
    "INSERT INTO warm VALUES (1, 'a', current_timestamp()), (2, 'b', current_timestamp())",
    "MERGE INTO warm t USING (SELECT 2 AS id, 'c' AS name, current_timestamp() AS at) s "
    "ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
    "UPDATE warm SET name = 'd' WHERE id = 1",
    "DELETE FROM warm WHERE id = 2",
    "SELECT name, count(*) AS n FROM warm WHERE at IS NOT NULL GROUP BY name ORDER BY name",
    "DESCRIBE HISTORY warm",
)


def write(archive: Path) -> bool:
    """Write `archive` unless another process is; whether this one wrote it."""
    if not class_archive.claim(archive):
        return False
    with tempfile.TemporaryDirectory(prefix="medallion-archive-") as home:
        try:
            spark = archive_writing_spark(Path(home), archive)
        except BaseException:
            class_archive.release(archive)
            raise
        try:
            for statement in STATEMENTS:
                spark.sql(statement).collect()
            spark.range(100).selectExpr("id", "id % 7 AS part").write.saveAsTable("warm_too")
        finally:
            class_archive.finish(spark, archive)
    return archive.is_file()


def main() -> None:
    try:
        write(Path(sys.argv[1]))
    except Exception as error:  # an archive is a speed-up, never a reason to fail
        logger.debug("class archive not written: %s", error)


if __name__ == "__main__":
    main()
