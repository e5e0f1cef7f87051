"""Databricks source-format notebooks split into cells."""

from __future__ import annotations

from pathlib import Path

import pytest

from medallion_orchestrator.notebook_engine.notebook_source import (
    Cell,
    NotebookFormatError,
    read_notebook,
)

NOTEBOOK = """\
# Databricks notebook source
# MAGIC %md
# MAGIC # Silver dimension loader
# MAGIC Upserts one dimension.

# COMMAND ----------

# MAGIC %run ./common/setup

# COMMAND ----------

from medallion_orchestrator.notebook_support import widget

layer = widget(dbutils, "layer")

# COMMAND ----------

# MAGIC %sql
# MAGIC SELECT count(*)
# MAGIC FROM dev_silver.shop.customers

# COMMAND ----------

# MAGIC %sql SELECT 1

# COMMAND ----------

# A python cell may hold a comment that looks like magic:
# MAGIC is only magic when every line is
x = 1
"""


def write(tmp_path: Path, text: str, name: str = "nb_loader.py") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cells_of_every_kind(tmp_path: Path) -> None:
    cells = read_notebook(write(tmp_path, NOTEBOOK))

    assert cells == [
        Cell(1, "md", "# Silver dimension loader\nUpserts one dimension."),
        Cell(2, "run", "./common/setup"),
        Cell(
            3,
            "python",
            "from medallion_orchestrator.notebook_support import widget\n\n"
            'layer = widget(dbutils, "layer")',
        ),
        Cell(4, "sql", "SELECT count(*)\nFROM dev_silver.shop.customers"),
        Cell(5, "sql", "SELECT 1"),
        Cell(
            6,
            "python",
            "# A python cell may hold a comment that looks like magic:\n"
            "# MAGIC is only magic when every line is\nx = 1",
        ),
    ]


def test_a_notebook_of_one_python_cell(tmp_path: Path) -> None:
    cells = read_notebook(write(tmp_path, "# Databricks notebook source\nprint('hi')\n"))

    assert cells == [Cell(1, "python", "print('hi')")]


def test_the_projects_own_loader_notebooks_parse() -> None:
    notebooks = Path(__file__).resolve().parents[3] / "notebooks"
    paths = sorted(notebooks.rglob("*.py"))

    assert paths, notebooks
    for path in paths:
        cells = read_notebook(path)
        assert any(cell.kind == "python" for cell in cells), path


@pytest.mark.parametrize(
    "text",
    ["print('hi')\n", "\n# Databricks notebook source\nx = 1\n", "# Databricks\nx = 1\n", ""],
)
def test_a_file_without_the_header_is_rejected(text: str, tmp_path: Path) -> None:
    path = write(tmp_path, text)

    with pytest.raises(NotebookFormatError, match="is not a Databricks source notebook"):
        read_notebook(path)


@pytest.mark.parametrize("magic", ["%sh", "%scala", "%r", "%pip", "%fs"])
def test_an_unsupported_magic_is_rejected_naming_the_cell(magic: str, tmp_path: Path) -> None:
    text = (
        "# Databricks notebook source\nx = 1\n\n# COMMAND ----------\n\n"
        f"# MAGIC {magic} ls -l\n# MAGIC echo hi\n"
    )
    path = write(tmp_path, text)

    with pytest.raises(NotebookFormatError) as raised:
        read_notebook(path)

    assert str(raised.value) == f"{path} cell 2: magic {magic!r} cannot run locally"


def test_a_run_cell_without_a_path_is_a_format_error(tmp_path: Path) -> None:
    path = write(tmp_path, "# Databricks notebook source\n# MAGIC %run\n")

    with pytest.raises(NotebookFormatError, match="cell 1"):
        read_notebook(path)


def test_a_md_sandbox_cell_is_markdown(tmp_path: Path) -> None:
    path = write(tmp_path, "# Databricks notebook source\n# MAGIC %md-sandbox\n# MAGIC <b>hi</b>\n")

    assert read_notebook(path) == [Cell(1, "md", "<b>hi</b>")]


def test_a_titled_cell_keeps_its_kind(tmp_path: Path) -> None:
    # What Databricks writes when it exports titled cells: the title above the cell's first line.
    text = (
        "# Databricks notebook source\n"
        "# DBTITLE 1,Setup\n# MAGIC %run ../_bootstrap\n\n# COMMAND ----------\n\n"
        "# DBTITLE 1,Counts\n# MAGIC %sql\n# MAGIC SELECT 1\n\n# COMMAND ----------\n\n"
        "# DBTITLE 1,Load, then exit\nx = 1\n\n# COMMAND ----------\n\n"
        "# DBTITLE 0,Hidden title\n# MAGIC %md\n# MAGIC notes\n"
    )

    assert read_notebook(write(tmp_path, text)) == [
        Cell(1, "run", "../_bootstrap", "Setup"),
        Cell(2, "sql", "SELECT 1", "Counts"),
        Cell(3, "python", "x = 1", "Load, then exit"),
        Cell(4, "md", "notes", "Hidden title"),
    ]
