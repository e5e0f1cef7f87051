"""The last snapshot version applied to a target, kept in the target's own table property.

Where: the Delta table property `medallion.snapshot_version` (the version as Spark casts it to a
string). A property lives in the table's metadata, which every Delta checkpoint carries: it is
read from the log in one small query (no data file, no history) and is never lost to log
retention. Commit metadata (`userMetadata`) was the other candidate, but a checkpoint does not
keep it, so after the log's retention a target loaded monthly would forget its version; and it
is set through the session's configuration, which the loads running in parallel threads share.

When: open source Delta cannot set a property in a MERGE's commit, so the property is set by its
own commit right after the data's. A load that fails before its data commit leaves both as they
were. One that fails between the two leaves the property behind the data; the next run then
applies those snapshots again, and applying a snapshot the target already reflects changes
nothing (SCD1: the same difference; SCD2: the versions start at the same snapshot versions,
which the SCD2 load recognises), so it writes no data and only records the version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medallion_orchestrator.loaders.table_settings import set_properties

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse

PROPERTY = "medallion.snapshot_version"


def applied_version(lakehouse: Lakehouse, target: str) -> str | None:
    """The version recorded on `target` (as text), None when the table or its record is
    missing."""
    return table_property(lakehouse, target, PROPERTY)


def table_property(lakehouse: Lakehouse, target: str, name: str) -> str | None:
    """The value of `target`'s table property `name`, None when the table or it is missing."""
    spark = lakehouse.spark
    if not spark.catalog.tableExists(target):
        return None
    properties = spark.sql(f"SHOW TBLPROPERTIES {target}").collect()
    return next((row["value"] for row in properties if row["key"] == name), None)


def record_version(lakehouse: Lakehouse, target: str, version: str) -> None:
    set_properties(lakehouse, target, {PROPERTY: version})
