"""Imports go down: the task vocabulary at the bottom, execution and runners beside each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "medallion_orchestrator"


def imported(path: Path) -> set[str]:
    """Every medallion_orchestrator module a file imports (type-checking imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("medallion_orchestrator")}


def package_of(module: str) -> str:
    return module.removeprefix("medallion_orchestrator.").split(".")[0]


@pytest.mark.parametrize("bottom", ["tasks.py", "transient.py", "exit_value.py"])
def test_the_vocabulary_imports_nothing_above_it(bottom: str) -> None:
    above = {"execution", "runners", "history", "orchestration", "application", "local"}
    assert not {package_of(m) for m in imported(PACKAGE / bottom)} & above


@pytest.mark.parametrize(("low", "high"), [("execution", "runners"), ("runners", "execution")])
def test_execution_and_runners_do_not_import_each_other(low: str, high: str) -> None:
    offenders = {
        path.name: sorted(m for m in imported(path) if package_of(m) == high)
        for path in sorted((PACKAGE / low).glob("*.py"))
    }
    assert {name: found for name, found in offenders.items() if found} == {}


@pytest.mark.parametrize(
    ("module", "above"),
    [("graph.py", "planning"), ("metadata/dependencies.py", "graph"), ("cycles.py", "graph")],
)
def test_the_graph_and_the_metadata_checks_import_down(module: str, above: str) -> None:
    assert f"medallion_orchestrator.{above}" not in imported(PACKAGE / module)
