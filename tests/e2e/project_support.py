"""A copy of the project with test notebooks as pipelines, and `medallion` run against it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from cli_support import child_environment

ROOT = Path(__file__).resolve().parents[2]
HEADER = "# Databricks notebook source\n"


def project_with(tmp_path: Path, notebooks: dict[str, str]) -> Path:
    """The project copied under tmp_path; each notebook becomes pipeline `name` (no columns
    required) at notebooks/test/nb_<name>."""
    copy = tmp_path / "project"
    for folder in ("conf", "notebooks", "metadata"):
        shutil.copytree(ROOT / folder, copy / folder)
    (copy / "notebooks" / "test").mkdir()
    with (copy / "conf" / "pipelines.yml").open("a") as pipelines:
        for name, source in notebooks.items():
            (copy / "notebooks" / "test" / f"nb_{name}.py").write_text(HEADER + source)
            pipelines.write(f"  {name}:\n    notebook: test/nb_{name}\n    requires: []\n")
    return copy


def command(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "medallion_orchestrator", *args, "--home", str(home)]


def environment(project: Path, server: str = "auto", warm_up: bool = False) -> dict[str, str]:
    return child_environment(server, warm_up, MEDALLION_PROJECT_DIR=str(project))


def medallion(
    project: Path, home: Path, *args: str, server: str = "auto", warm_up: bool = False
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(home, *args),
        capture_output=True,
        text=True,
        env=environment(project, server, warm_up),
        timeout=900,
        check=False,
    )


def start(project: Path, home: Path, *args: str, server: str = "auto") -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(home, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(project, server),
    )


def rows_yaml(rows: list[dict[str, object]]) -> str:
    """Metadata rows as `medallion metadata load` reads them."""
    lines = ["rows:"]
    for row in rows:
        lines.append("  - {" + ", ".join(f"{key}: {value}" for key, value in row.items()) + "}")
    return "\n".join(lines) + "\n"


def delta_log(home: Path, table: str) -> Path:
    """The Delta log folder of a local table `catalog.schema.name`."""
    catalog, schema, name = table.split(".")
    return home / "warehouse" / f"{catalog}__{schema}.db" / name / "_delta_log"


def commits(home: Path, table: str) -> list[str]:
    """The Delta commit files of a local table `catalog.schema.name`."""
    return sorted(path.name for path in delta_log(home, table).glob("*.json"))


def csv_rows(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()[1:]
