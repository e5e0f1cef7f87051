"""The target's comment, properties and clustering as cdc_source_config sets them (AUTO CDC's
`comment`, `table_properties` and `cluster_by`).

After the load's own commit, what differs from the table is changed: one ALTER for the comment
and properties together, one for the clustering; nothing when all match, so a rerun commits
nothing. What the row does not set is left as it is (a property removed from the row is not
unset); `"cluster_by": []` removes the clustering.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import LoadResult, latest_version
from medallion_orchestrator.loaders.spec import LoadSpec

if TYPE_CHECKING:
    from medallion_orchestrator.runtime.lakehouse import Lakehouse


def with_table_settings(lakehouse: Lakehouse, spec: LoadSpec, result: LoadResult) -> LoadResult:
    """`result` after the target's settings are made what the row says; its version then."""
    config, spark = spec.cdc, lakehouse.spark
    wanted = dict(config.table_properties)
    if config.table_comment is not None:
        wanted["comment"] = config.table_comment
    target = spec.target(lakehouse)
    if not (wanted or config.cluster_by is not None) or not spark.catalog.tableExists(target):
        return result
    detail = spark.sql(f"DESCRIBE DETAIL {target}").first()
    assert detail is not None
    current = dict(detail["properties"] or {}) | {"comment": detail["description"]}
    changed = {name: value for name, value in wanted.items() if current.get(name) != value}
    if changed:
        set_properties(lakehouse, target, changed)
    clustering = config.cluster_by
    if clustering is not None and list(detail["clusteringColumns"] or ()) != list(clustering):
        if missing := [c for c in clustering if c not in spark.table(target).columns]:
            raise LoadError(
                f"{spec.destination}: cdc_source_config.cluster_by names column(s) "
                f"{', '.join(missing)} the target does not have"
            )
        columns = ", ".join(f"`{c}`" for c in clustering)
        spark.sql(f"ALTER TABLE {target} CLUSTER BY {f'({columns})' if columns else 'NONE'}")
        changed["cluster_by"] = columns
    if not changed:
        return result
    message = f"{result.message}; table settings altered: {', '.join(changed)}"
    return replace(result, target_version=latest_version(lakehouse, target), message=message)


def set_properties(lakehouse: Lakehouse, target: str, properties: dict[str, str]) -> None:
    """One ALTER (one commit) setting `properties` on `target`, names and values quoted."""
    pairs = ", ".join(f"{_quoted(name)} = {_quoted(value)}" for name, value in properties.items())
    lakehouse.spark.sql(f"ALTER TABLE {target} SET TBLPROPERTIES ({pairs})")


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
