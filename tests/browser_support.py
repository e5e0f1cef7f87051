"""A page opened in headless Chromium (Debian's `chromium`, which `make test` installs as root),
driven by playwright's Python package; a test skips, saying why, where either is missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_OUTPUT = ROOT / "test-output"  # screenshots, for a person to look at; git-ignored


def chromium() -> str:
    """The browser's path, or a skip naming what is missing."""
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("Debian's chromium is not installed (`make browser` installs it as root)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright's Python package is not installed (the dev extra has it)")
    return path


@dataclass
class OpenPage:
    page: Any
    errors: list[str] = field(default_factory=list)


@contextmanager
def opened(path: Path) -> Iterator[OpenPage]:
    """The file in a new headless page, collecting console errors and uncaught exceptions."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium())
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 700})
            opened_page = OpenPage(page)
            page.on(
                "console",
                lambda message: (
                    opened_page.errors.append(message.text) if message.type == "error" else None
                ),
            )
            page.on("pageerror", lambda error: opened_page.errors.append(str(error)))
            page.goto(path.resolve().as_uri())
            yield opened_page
        finally:
            browser.close()
