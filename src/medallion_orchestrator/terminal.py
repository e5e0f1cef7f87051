"""Tables for a person at a terminal: as wide as the terminal, headers and cells folded, not cut."""

from __future__ import annotations

import shutil
from collections.abc import Collection, Iterable, Sequence
from typing import TextIO

from rich.console import Console
from rich.table import Table

FALLBACK_COLUMNS = 120  # when the output is not a terminal and COLUMNS is not set


def print_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    out: TextIO,
    whole: Collection[str] = (),
) -> None:
    """Columns named in `whole` (ids, statuses) are never folded, however narrow the terminal."""
    cells = [list(row) for row in rows]
    table = Table()
    for index, column in enumerate(columns):
        widest = max((len(row[index]) for row in cells), default=0)
        keep = column in whole
        table.add_column(
            column,
            overflow="fold",
            no_wrap=keep,
            min_width=widest if keep else None,
        )
    for row in cells:
        table.add_row(*row)
    width = shutil.get_terminal_size((FALLBACK_COLUMNS, 24)).columns
    Console(file=out, width=width, soft_wrap=False).print(table)
