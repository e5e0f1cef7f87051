"""What every loader shares: names, reading the bronze source, the result it reports."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from medallion_orchestrator.errors import LoadError
from medallion_orchestrator.loaders.predicates import any_of
from medallion_orchestrator.loaders.spec import LoadSpec
from medallion_orchestrator.metadata.column_mapping import mapping_problems
from medallion_orchestrator.tasks import LoadReport

if TYPE_CHECKING:
    from delta.tables import DeltaTable
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import DataType

    from medallion_orchestrator.runtime.lakehouse import Lakehouse


# What a loader returns: the spec vocabulary's load report (target, rows, Delta version, message).
LoadResult = LoadReport


@cache
def col(name: str) -> Column:
    """A column by its exact name (quoted, so names with dots or keywords are safe). Cached:
    a Column is an immutable expression, and making one costs several py4j round trips."""
    from pyspark.sql import functions as F

    return F.col(f"`{name}`")


@cache
def field(parent: str, name: str) -> Column:
    """`parent`.`name`: a field of a struct column, or a column of an aliased frame."""
    from pyspark.sql import functions as F

    return F.col(f"{parent}.`{name}`")


def read_source(lakehouse: Lakehouse, spec: LoadSpec, table: str | None = None) -> DataFrame:
    """The bronze table (or `table`, catalog.schema.table, read the same way), its columns
    renamed by `column_mapping`; a missing table names itself, a mapping that does not fit its
    columns names the columns."""
    shown = table or spec.source
    catalog, schema, name = shown.split(".")
    physical = lakehouse.table(catalog, schema, name)
    if not lakehouse.spark.catalog.tableExists(physical):
        raise LoadError(f"{spec.destination}: source table {shown} does not exist")
    source, mapping = lakehouse.spark.table(physical), spec.cdc.column_mapping
    if mapping:
        if problems := mapping_problems(mapping, source.columns):
            raise LoadError(
                f"{spec.destination}: cdc_source_config.{'; '.join(problems)} "
                f"(source {shown}: {', '.join(source.columns)})"
            )
        source = source.withColumnsRenamed(dict(mapping))
    return _in_target_case(lakehouse, spec, source)


def _in_target_case(lakehouse: Lakehouse, spec: LoadSpec, source: DataFrame) -> DataFrame:
    """The source's columns named as the target's, where they differ only in case: Spark and
    Delta resolve names regardless of case, so bronze's `SCORE` is silver's `score`, not a new
    column (a MERGE adding it fails with COLUMN_ALREADY_EXISTS)."""
    target = spec.target(lakehouse)
    if not lakehouse.spark.catalog.tableExists(target):
        return source
    stored = {column.lower(): column for column in lakehouse.spark.table(target).columns}
    lowered = [column.lower() for column in source.columns]
    renamed = {
        column: stored[low]
        for column, low in zip(source.columns, lowered, strict=True)
        if low in stored and stored[low] != column and lowered.count(low) == 1
    }
    return source.withColumnsRenamed(renamed) if renamed else source


def ensure_target_schema(lakehouse: Lakehouse, spec: LoadSpec) -> None:
    catalog, schema, _ = spec.dst
    lakehouse.ensure_schema(catalog, schema)


def without_excluded(frame: DataFrame, spec: LoadSpec, keep: tuple[str, ...] = ()) -> DataFrame:
    """Only `include_columns` (when given) are copied to silver, never `exclude_columns`;
    `keep` (the keys) always is."""
    config = spec.cdc
    if config.include_columns is not None:
        require_columns(frame, list(config.include_columns), spec, config.key("include_columns"))
        carried = {*config.include_columns, *keep}
        return frame.drop(*[c for c in frame.columns if c not in carried])
    return frame.drop(*[c for c in config.exclude_columns if c in frame.columns and c not in keep])


def ordered_by(columns: tuple[str, ...], column: Callable[[str], Column] = col) -> Column:
    """The order of `columns`: the one column, or a struct of several (ordered by the first,
    ties broken by the next), NULL when any of them is."""
    from pyspark.sql import functions as F

    if len(columns) == 1:
        return column(columns[0])
    parts = [column(name) for name in columns]
    missing = any_of([part.isNull() for part in parts])
    return F.when(
        ~missing, F.struct(*[part.alias(name) for part, name in zip(parts, columns, strict=True)])
    )


def literal(value: Any, kind: DataType) -> Column:
    """`value` (a Row for several sequence columns) as a literal of type `kind`."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    if isinstance(kind, StructType):
        fields = zip(kind.names, value, strict=True)
        return F.struct(*[F.lit(item).alias(name) for name, item in fields]).cast(kind)
    return F.lit(value).cast(kind)


def require_columns(frame: DataFrame, columns: list[str], spec: LoadSpec, role: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise LoadError(
            f"{spec.destination}: {role} column(s) {', '.join(missing)} missing from source "
            f"{spec.source} (columns: {', '.join(frame.columns)})"
        )


def widens_types(lakehouse: Lakehouse, table: str) -> bool:
    """Whether the Delta table has type widening on (`delta.enableTypeWidening`)."""
    name = "delta.enableTypeWidening"
    row = lakehouse.spark.sql(f"SHOW TBLPROPERTIES {table} ('{name}')").first()
    return row is not None and str(row["value"]).lower() == "true"


def latest_version(lakehouse: Lakehouse, table: str) -> int | None:
    """The table's newest Delta version: read from its log in milliseconds where the JVM is at
    hand (classic Spark, open source Delta), else from its history (Spark Connect)."""
    from delta.tables import DeltaTable

    if not lakehouse.spark.catalog.tableExists(table):
        return None
    delta = DeltaTable.forName(lakehouse.spark, table)
    try:
        return version_from_log(lakehouse.spark, delta)
    except (AttributeError, ImportError, RuntimeError):
        row = delta.history(1).select("version").first()
        return None if row is None else int(row["version"])


def version_from_log(spark: SparkSession, delta: DeltaTable) -> int:
    from py4j.protocol import Py4JError

    try:
        nothing = spark._jvm.scala.Option.empty()  # type: ignore[union-attr]
        log = delta._jdt.deltaLog()  # type: ignore[attr-defined]
        return int(log.update(False, nothing, nothing).version())
    except Py4JError as error:
        raise RuntimeError(f"no Delta log API: {error}") from None


def created(lakehouse: Lakehouse, spec: LoadSpec, table: str, rows: int) -> LoadResult:
    return LoadResult(spec.destination, rows, latest_version(lakehouse, table), "created")
