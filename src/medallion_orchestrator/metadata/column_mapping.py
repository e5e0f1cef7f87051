"""`column_mapping`: bronze columns with awkward names (spaces, dots) renamed for silver.

The mapping is applied as the source is read, so every other option (keys, sequence columns,
column lists, delete and truncate conditions) names columns by their silver names, the names
users see in the target. A silver name must be free: not a column the source already has.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

Mapping = tuple[tuple[str, str], ...]  # (source name, silver name) pairs


def row_problems(mapping: Mapping) -> Iterable[str]:
    """What the row alone shows: names that cannot be quoted, two columns given one name, a
    silver name that is another mapped column's source name."""
    sources = {source for source, _ in mapping}
    for source, silver in mapping:
        if "`" in source:
            yield f"column_mapping: source column {source!r} has a backtick"
        if silver in sources:
            yield f"column_mapping maps {source!r} to {silver!r}, which the source already has"
    for silver, count in Counter(silver for _, silver in mapping).items():
        if count > 1:
            named = " and ".join(source for source, name in mapping if name == silver)
            yield f"column_mapping maps {named} to {silver}; give each its own name"


def mapping_problems(mapping: Mapping, source_columns: Sequence[str]) -> list[str]:
    """What the source's columns show: a mapped column it lacks, a silver name it has."""
    problems = [
        f"column_mapping names source column {source!r}, which the source lacks"
        for source, _ in mapping
        if source not in source_columns
    ]
    return problems + [
        f"column_mapping maps {source!r} to {silver!r}, which the source already has"
        for source, silver in mapping
        if silver in source_columns
    ]
