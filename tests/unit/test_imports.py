"""Every import points down: no module imports, at any depth, one that imports it back. Lazy
imports inside functions and imports for type checking count too: each is an arrow."""

from __future__ import annotations

import ast
from pathlib import Path

from medallion_orchestrator.cycles import find_cycle

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "medallion_orchestrator"
# runtime/: local_spark installs the name mapping of local_names, which maps through the local
# lakehouse the session's own conf names; each needs the other at call time (issue 18, left).
KNOWN = {"runtime"}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, frozenset[str]]:
    modules = {_module(path): path for path in PACKAGE.rglob("*.py")}
    arrows: dict[str, frozenset[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                candidates = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            found |= {target for target in candidates if target in modules and target != name}
        arrows[name] = frozenset(found)
    return arrows


def _subpackage(module: str) -> str:
    return module.split(".")[1] if module.count(".") > 1 else ""


def test_no_module_imports_one_that_imports_it_back() -> None:
    arrows = _imports()
    kept = {
        name: frozenset(t for t in targets if _subpackage(t) not in KNOWN)
        for name, targets in arrows.items()
        if _subpackage(name) not in KNOWN
    }
    assert find_cycle(kept) is None, " -> ".join(find_cycle(kept) or [])


def test_the_runner_chain_and_the_graph_import_nothing_above_them() -> None:
    arrows = _imports()
    assert (
        "medallion_orchestrator.application" not in arrows["medallion_orchestrator.runners.chain"]
    )
    assert "medallion_orchestrator.planning" not in arrows["medallion_orchestrator.graph"]
    assert (
        "medallion_orchestrator.graph" not in arrows["medallion_orchestrator.metadata.dependencies"]
    )
