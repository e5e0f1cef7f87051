"""Databricks source-format notebooks (`# Databricks notebook source`) split into cells.

A titled cell starts with `# DBTITLE 1,<title>` (as Databricks exports it), magic cells included;
the title is kept and the rest of the cell is read as if untitled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HEADER = "# Databricks notebook source"
CELL_SEPARATOR = "# COMMAND ----------"
MAGIC_PREFIX = "# MAGIC"
_TITLE = re.compile(r"# DBTITLE \d+,(.*)")


@dataclass(frozen=True)
class Cell:
    number: int
    kind: str  # "python", "md", "run", "sql"
    source: str
    title: str | None = None


class NotebookFormatError(ValueError):
    pass


def read_notebook(path: Path) -> list[Cell]:
    text = path.read_text()
    if not text.startswith(HEADER):
        raise NotebookFormatError(
            f"{path} is not a Databricks source notebook (no {HEADER!r} line)"
        )
    chunks = text[len(HEADER) :].split(f"\n{CELL_SEPARATOR}\n")
    return [_cell(number, chunk.strip("\n"), path) for number, chunk in enumerate(chunks, start=1)]


def _cell(number: int, chunk: str, path: Path) -> Cell:
    title = _TITLE.fullmatch(chunk.partition("\n")[0].rstrip())
    if title is None:
        return _untitled(number, chunk, path)
    cell = _untitled(number, chunk.partition("\n")[2].strip("\n"), path)
    return Cell(cell.number, cell.kind, cell.source, title.group(1))


def _untitled(number: int, chunk: str, path: Path) -> Cell:
    lines = chunk.splitlines()
    if not lines or not all(line.startswith(MAGIC_PREFIX) for line in lines if line.strip()):
        return Cell(number, "python", chunk)
    body = "\n".join(line[len(MAGIC_PREFIX) :].removeprefix(" ") for line in lines).strip()
    magic, _, rest = body.partition("\n") if not body.startswith("%run") else (body, "", "")
    command = magic.split()[0] if magic.split() else ""
    if command in ("%md", "%md-sandbox"):
        return Cell(number, "md", rest)
    if command == "%run":
        if len(magic.split()) < 2:
            raise NotebookFormatError(f"{path} cell {number}: %run needs a notebook path")
        return Cell(number, "run", magic.split(maxsplit=1)[1].strip())
    if command == "%sql":
        return Cell(number, "sql", (magic.removeprefix("%sql") + "\n" + rest).strip())
    raise NotebookFormatError(f"{path} cell {number}: magic {command!r} cannot run locally")
