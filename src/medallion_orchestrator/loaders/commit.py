"""The staged difference written in one Delta commit, or nothing written.

The staged rows are cached and counted first: none means no commit at all, so a rerun with no
new bronze data leaves the Delta version of the target unchanged (a MERGE that changes no row
still commits).

Usually the commit is a MERGE. When the staged updates and deletes reach every file of the
target, a MERGE would rewrite every file anyway, and open source Delta gets there through a
shuffled full outer join of the whole target with the staged rows. The load then rewrites the
table itself instead: one scan of the target, the changes joined by broadcast, the inserts
appended, one overwrite commit with the same rows and files a MERGE would leave. It reads the
target at the version it overwrites and fails loudly if another writer committed in between
(a MERGE reads and commits in one transaction; an overwrite cannot). Tables whose
MERGE writes something else keep the MERGE: deletion vectors (only changed rows are written),
change data feed and row tracking (both record per-row changes), identity and generated columns
(computed on insert).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.common import LoadResult, col, field, latest_version
from medallion_orchestrator.loaders.nested import nests, reshaped
from medallion_orchestrator.loaders.schema import holds
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.loaders.sql_text import path, struct_sql
from medallion_orchestrator.loaders.staging import DELETE, FILE, INSERT, OP, UPDATE, Merge

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import DataType

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

OPS = (INSERT, UPDATE, DELETE)
_ROW = "__medallion_row"
BROADCAST_CHANGES = 250_000  # staged updates and deletes joined by broadcast in a rewrite
MERGE_ONLY_FEATURES = frozenset(
    {"deletionVectors", "changeDataFeed", "rowTracking", "identityColumns", "generatedColumns"}
)
MERGE_ONLY_PROPERTIES = {
    "delta.enableDeletionVectors": "deletionVectors",
    "delta.enableChangeDataFeed": "changeDataFeed",
    "delta.enableRowTracking": "rowTracking",
}


def merge_staged(
    lakehouse: Lakehouse, spec: LoadSpec, target: str, staged: DataFrame, merge: Merge
) -> LoadResult:
    """The (cached) staged rows in one commit to the target, or none when there are none."""
    counts, files = _counts(staged)
    if not sum(counts.values()):
        return LoadResult(
            spec.destination, 0, latest_version(lakehouse, target), "unchanged: nothing to write"
        )
    if files and rewrites_every_file(lakehouse, target, files):
        version = _rewrite(lakehouse, spec, target, staged, merge, counts[UPDATE] + counts[DELETE])
        how = "rewritten"
    else:
        _merge(target, staged, merge)
        version, how = latest_version(lakehouse, target), "merged"
    message = f"{how}: " + ", ".join(
        f"{counts[op]} {op}{'d' if op.endswith('e') else 'ed'}" for op in OPS
    )
    return LoadResult(spec.destination, sum(counts.values()), version, message)


def rewrites_every_file(lakehouse: Lakehouse, target: str, files: int) -> bool:
    """The staged changes touch all `files` of the target, and its MERGE would write nothing
    a rewrite does not."""
    detail = lakehouse.spark.sql(f"DESCRIBE DETAIL {target}").first()
    assert detail is not None
    facts = detail.asDict()
    features = set(facts.get("tableFeatures") or ())
    properties = facts.get("properties") or {}
    features |= {
        feature
        for name, feature in MERGE_ONLY_PROPERTIES.items()
        if str(properties.get(name, "")).lower() == "true"
    }
    return facts["numFiles"] == files and not features & MERGE_ONLY_FEATURES


def _counts(staged: DataFrame) -> tuple[dict[str, int], int]:
    """Rows per operation and, when the staged rows say, the target files they change."""
    from pyspark.sql import functions as F

    touched = [F.count_distinct(col(FILE)).alias(FILE)] if FILE in staged.columns else []
    row = staged.agg(*[F.count_if(col(OP) == op).alias(op) for op in OPS], *touched).first()
    assert row is not None
    return {op: int(row[op]) for op in OPS}, int(row[FILE]) if touched else 0


def _merge(target: str, staged: DataFrame, merge: Merge) -> None:
    """One SQL MERGE, on the staged rows' session: a 700-column table's 1,400 assignments are
    one statement for the JVM to parse, not a few py4j round trips apiece (Delta's builder)."""
    session = staged.sparkSession
    view = f"__medallion_staged_{uuid.uuid4().hex}"
    staged.createOrReplaceTempView(view)
    try:
        session.sql(merge_statement(target, view, merge))
    finally:
        session.catalog.dropTempView(view)


def merge_statement(target: str, source: str, merge: Merge) -> str:
    """MERGE of the staged rows `source` (alias s) into `target` (alias t), new columns added."""
    clauses = [f"WHEN MATCHED AND s.{OP} = '{DELETE}' THEN DELETE"]
    if merge.update:
        assigned = ", ".join(
            f"{column} = {value}" for column, value in _quoted(merge.update).items()
        )
        clauses.append(f"WHEN MATCHED AND s.{OP} = '{UPDATE}' THEN UPDATE SET {assigned}")
    if merge.insert:
        values = _quoted(merge.insert)
        clauses.append(
            f"WHEN NOT MATCHED AND s.{OP} = '{INSERT}' THEN INSERT ({', '.join(values)}) "
            f"VALUES ({', '.join(values.values())})"
        )
    return (
        f"MERGE WITH SCHEMA EVOLUTION INTO {target} AS t USING {source} AS s "
        f"ON {merge.condition}\n" + "\n".join(clauses)
    )


def _rewrite(
    lakehouse: Lakehouse,
    spec: LoadSpec,
    target: str,
    staged: DataFrame,
    merge: Merge,
    changes: int,
) -> int:
    """What the MERGE would write, as one overwrite: target rows not deleted, updated ones
    assigned like the MERGE assigns them (cast to the column's type), then the inserts. The
    target is read at the version the overwrite must follow; the version written."""
    from pyspark.sql import functions as F

    read = latest_version(lakehouse, target)
    assert read is not None
    current = lakehouse.spark.read.option("versionAsOf", read).table(target)
    types = {column.name: column.dataType for column in current.schema.fields}
    changed = staged.where(col(OP) != INSERT).drop(FILE)
    if changes <= BROADCAST_CHANGES:
        changed = F.broadcast(changed)
    joined = current.alias("t").join(changed.alias("s"), F.expr(merge.condition), "left")
    update, evolving = _assigned(changed, merge.update, types)
    updating = f"s.{path(OP)} = '{UPDATE}'"
    stored = {
        name: reshaped(path("t", name), kind, evolving[name])
        if name in evolving
        else path("t", name)
        for name, kind in types.items()
    }
    kept = {
        name: _when(updating, update[name], stored[name]) if name in update else stored[name]
        for name in types
    }
    kept |= {name: _when(updating, value) for name, value in update.items() if name not in types}
    rows = _selected(joined.where(field("s", OP).isNull() | (field("s", OP) == UPDATE)), kept)
    inserts = _selected(
        staged.alias("s").where(col(OP) == INSERT), _assigned(staged, merge.insert, types)[0]
    )
    rows = rows.unionByName(inserts, allowMissingColumns=True)
    rows.writeTo(target).option("mergeSchema", "true").overwrite(F.lit(True))
    written = latest_version(lakehouse, target)
    assert written is not None
    if written != read + 1:
        raise LoadError(
            f"{spec.destination}: another writer committed to {target} while this load "
            f"rewrote it (versions {read + 1} to {written}); this load's overwrite may have "
            "replaced its rows: compare DESCRIBE HISTORY, RESTORE the table to the version "
            "before this load's commit if so, then rerun the spec"
        )
    return written


def _assigned(
    staged: DataFrame, assignments: dict[str, str], types: dict[str, DataType]
) -> tuple[dict[str, str | Column], dict[str, DataType]]:
    """Each assignment over the staged row `s`, cast to its target column's type where the
    types differ (SQL text where they do not: one expression for all of them); and the columns
    whose staged type adds fields or is wider (type widening on), which keep it as schema
    evolution does, with that type."""
    from pyspark.sql import functions as F

    if not assignments:
        return {}, {}
    kinds = staged.alias("s").select(F.expr(struct_sql(assignments)).alias(_ROW)).schema
    given = {item.name: item.dataType for item in kinds[_ROW].dataType.fields}  # type: ignore[attr-defined]
    evolving = {
        name: given[name]
        for name in assignments
        if name in types
        and given[name] != types[name]
        and (nests(given[name]) or not holds(types[name], given[name]))
    }
    values = {
        name: F.expr(value).cast(types[name])
        if name in types and given[name] != types[name] and name not in evolving
        else value
        for name, value in assignments.items()
    }
    return values, evolving


def _when(test: str, value: str | Column, otherwise: str | None = None) -> str | Column:
    """CASE WHEN `test` THEN `value` ELSE `otherwise` END, as SQL text when `value` is."""
    from pyspark.sql import functions as F

    if isinstance(value, str):
        return f"CASE WHEN {test} THEN {value}{f' ELSE {otherwise}' if otherwise else ''} END"
    chosen = F.when(F.expr(test), value)
    return chosen.otherwise(F.expr(otherwise)) if otherwise else chosen


def _selected(frame: DataFrame, fields: dict[str, str | Column]) -> DataFrame:
    """`frame` projected to `fields` (name -> SQL text or Column), in their order; the SQL
    text as one struct expression, unpacked."""
    from pyspark.sql import functions as F

    text = {name: value for name, value in fields.items() if isinstance(value, str)}
    columns = {name: value for name, value in fields.items() if not isinstance(value, str)}
    if not columns:
        return frame.select(F.expr(struct_sql(text)).alias(_ROW)).select(f"{_ROW}.*")
    packed = [F.expr(struct_sql(text)).alias(_ROW)] if text else []
    rows = frame.select(*packed, *[value.alias(name) for name, value in columns.items()])
    return rows.select(*([f"{_ROW}.*"] if text else []), *[col(name) for name in columns]).select(
        *[col(name) for name in fields]
    )


def _quoted(assignments: dict[str, str]) -> dict[str, str]:
    return {f"`{column}`": expression for column, expression in assignments.items()}
