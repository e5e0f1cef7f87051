"""Wide rows in one expression: SQL text parsed once instead of a Column per column.

Each Column made in Python costs py4j round trips (a name, a comparison, an alias); on a
700-column table a load made about 120,000 of them, seconds of driver time before Spark ran
anything. A struct of the columns, written as SQL and parsed in one call, carries the payload
through the staging as one column, and is compared (NULL-safely, field by field) in one test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import Column


def quoted(name: str) -> str:
    """A name as an SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


def path(*names: str) -> str:
    """`a`.`b`: a column, or a field of a struct (or of an aliased frame)."""
    return ".".join(quoted(name) for name in names)


def struct_sql(fields: Mapping[str, str]) -> str:
    """named_struct of field name -> SQL expression."""
    parts = [f"{_string(name)}, {value}" for name, value in fields.items()]
    return f"named_struct({', '.join(parts)})"


def struct_of(names: Sequence[str], *parent: str) -> Column:
    """The columns `names` (or the fields of the struct at path `parent`) as one struct."""
    from pyspark.sql import functions as F

    return F.expr(struct_sql({name: path(*parent, name) for name in names}))


def _string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
