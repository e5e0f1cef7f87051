"""notebooks/_bootstrap: the notebooks find the library from a Git folder, without edits."""

from __future__ import annotations

import os
import posixpath
import subprocess
import sys
from pathlib import Path

import pytest

from medallion_orchestrator.notebook_engine.notebook_source import read_notebook

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
BOOTSTRAP = NOTEBOOKS / "_bootstrap.py"


def bootstrap_code() -> str:
    return "\n".join(cell.source for cell in read_notebook(BOOTSTRAP) if cell.kind == "python")


def run_without_the_library(cwd: Path, after: str = "") -> subprocess.CompletedProcess[str]:
    """The bootstrap in a fresh interpreter where the installed package cannot be imported."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", bootstrap_code() + "\n" + after],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def git_folder(root: Path) -> Path:
    """A repository checkout as a workspace Git folder holds it; returns a notebook's folder."""
    package = root / "src" / "medallion_orchestrator"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('WHERE = "git folder"\n', encoding="utf-8")
    notebook_folder = root / "notebooks" / "orchestrator"
    notebook_folder.mkdir(parents=True)
    return notebook_folder


def test_without_the_package_the_repos_src_goes_on_sys_path(tmp_path: Path) -> None:
    notebook_folder = git_folder(tmp_path / "repo")
    check = "import sys, medallion_orchestrator as m\nprint(m.WHERE)\nprint(sys.path[0])"

    done = run_without_the_library(notebook_folder, check)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["git folder", str(tmp_path / "repo" / "src")]


def test_without_the_package_nor_a_src_folder_the_error_says_what_to_do(tmp_path: Path) -> None:
    done = run_without_the_library(tmp_path)

    assert done.returncode == 1
    assert "ModuleNotFoundError: medallion_orchestrator is not installed" in done.stderr
    assert "install the project's wheel on the cluster" in done.stderr


def test_with_the_package_installed_it_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_folder(tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo" / "notebooks" / "orchestrator")
    before = list(sys.path)

    try:
        exec(bootstrap_code(), {"__name__": "__main__"})
        assert sys.path == before
    finally:
        sys.path[:] = before


@pytest.mark.parametrize(
    "notebook",
    sorted(path for path in NOTEBOOKS.rglob("*.py") if path != BOOTSTRAP),
    ids=lambda path: path.relative_to(NOTEBOOKS).as_posix(),
)
def test_every_notebook_runs_the_bootstrap_first(notebook: Path) -> None:
    code_cells = [cell for cell in read_notebook(notebook) if cell.kind != "md"]
    first = code_cells[0]

    assert first.kind == "run"
    relative = notebook.parent.relative_to(NOTEBOOKS).as_posix()
    assert posixpath.normpath(posixpath.join(relative, first.source)) == "_bootstrap"
