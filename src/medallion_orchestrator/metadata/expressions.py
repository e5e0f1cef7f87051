"""SQL expressions a row gives in cdc_source_config (a delete, truncate or replace-where
condition), read with sqlglot's Databricks dialect: one expression, never a statement or query."""

from __future__ import annotations

from collections.abc import Iterable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

_BOOLEAN_ROOTS = (exp.Predicate, exp.Connector, exp.Not, exp.Boolean, exp.Column)


def expression_problems(key: str, condition: str, boolean: bool = False) -> Iterable[str]:
    """Problems of `condition` (given as `key`); with `boolean`, it must also be a condition
    by its shape (a comparison, AND/OR/NOT, a boolean, a column), not a value like `a + 1`."""
    try:
        parsed = sqlglot.parse(condition, read="databricks")
    except ParseError as error:
        reason = error.errors[0]["description"] if error.errors else str(error)
        yield f"{key} is not valid SQL: {reason}"
        return
    if len(parsed) != 1 or parsed[0] is None:
        yield f"{key} must be a single expression"
        return
    expression = parsed[0]
    if not isinstance(expression, exp.Condition) or expression.find(exp.Subquery, exp.Select):
        yield f"{key} must be an expression, not a statement or query"
    elif boolean and not isinstance(expression.unnest(), _BOOLEAN_ROOTS):
        yield f"{key} must be a boolean condition, not {expression.sql(dialect='databricks')!r}"


def expression_columns(condition: str) -> list[str]:
    """The column names a valid expression reads, in order, once each."""
    expression = sqlglot.parse_one(condition, read="databricks")
    return list(dict.fromkeys(column.name for column in expression.find_all(exp.Column)))


def qualified_columns(condition: str) -> list[str]:
    """The columns a valid expression names with a table or alias in front (`t.a`)."""
    expression = sqlglot.parse_one(condition, read="databricks")
    return [column.sql() for column in expression.find_all(exp.Column) if column.table]
