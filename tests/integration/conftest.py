"""Fixtures of the integration tests alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_support import ROOT
from medallion_orchestrator import variables


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """conf, notebooks and DDL of this repository; SQL files of the test's own."""
    for part in ("conf", "notebooks"):
        (tmp_path / part).symlink_to(ROOT / part)
    (tmp_path / "metadata" / "sql").mkdir(parents=True)
    (tmp_path / "metadata" / "ddl").symlink_to(ROOT / "metadata" / "ddl")
    monkeypatch.setenv(variables.PROJECT_DIR, str(tmp_path))  # the gold notebook finds it too
    return tmp_path
