"""The README and docs/ stay true to the tests they name: every test file, test and image they
cite exists, and every document links to files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TEST_SOURCES = "\n".join(path.read_text() for path in (ROOT / "tests").rglob("test_*.py"))


def _names(pattern: str, document: Path) -> set[str]:
    return set(re.findall(pattern, document.read_text(encoding="utf-8")))


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_test_file_a_document_names_exists(document: Path) -> None:
    missing = {
        name
        for name in _names(r"tests/[\w/]+\.py", document)
        if not (ROOT / name).is_file() and "*" not in name
    }
    assert not missing, f"{document.name} names test files that do not exist: {sorted(missing)}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_test_a_document_names_exists(document: Path) -> None:
    missing = {
        name
        for name in _names(r"`(test_\w+)`", document)
        if f"def {name}(" not in TEST_SOURCES and not any((ROOT / "tests").rglob(f"{name}.py"))
    }
    assert not missing, f"{document.name} names tests that do not exist: {sorted(missing)}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_relative_link_of_a_document_opens(document: Path) -> None:
    links = _names(r"\]\(((?!https?:|#)[^)#\s]+)(?:#[^)]*)?\)", document)
    missing = {link for link in links if not (document.parent / link).exists()}
    assert not missing, f"{document.name} links to files that do not exist: {sorted(missing)}"


def test_the_readme_links_every_document() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"(docs/{path.name})" in readme for path in DOCUMENTS[1:])
