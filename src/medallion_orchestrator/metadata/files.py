"""Version-controlled metadata rows: YAML files with a `rows:` list."""

from __future__ import annotations

from pathlib import Path

import yaml

from medallion_orchestrator.errors import InvalidMetadata, Problem
from medallion_orchestrator.metadata.model import TaskRow


def read_rows(path: Path) -> list[TaskRow]:
    """Rows of one YAML file, or of every *.yml / *.yaml file under a folder."""
    if path.is_dir():
        files = sorted([*path.rglob("*.yml"), *path.rglob("*.yaml")])
    elif path.is_file():
        files = [path]
    else:
        raise InvalidMetadata([Problem(str(path), "no such file or folder")])
    rows: list[TaskRow] = []
    problems: list[Problem] = []
    for file in files:
        file_rows, file_problems = _read_file(file)
        rows += file_rows
        problems += file_problems
    if problems:
        raise InvalidMetadata(problems)
    return rows


def _read_file(file: Path) -> tuple[list[TaskRow], list[Problem]]:
    try:
        loaded = yaml.safe_load(file.read_text())
    except yaml.YAMLError as error:
        return [], [Problem(str(file), f"not valid YAML: {error}")]
    entries = loaded.get("rows") if isinstance(loaded, dict) else None
    if not isinstance(entries, list):
        return [], [Problem(str(file), "must hold a `rows:` list")]
    rows, problems = [], []
    for number, entry in enumerate(entries, start=1):
        where = f"{file} row {number}"
        if not isinstance(entry, dict):
            problems.append(Problem(where, "is not a mapping"))
            continue
        try:
            rows.append(TaskRow.from_mapping({"is_active_flag": True, **entry}))
        except (TypeError, ValueError) as error:
            problems.append(Problem(where, str(error)))
    return rows, problems
