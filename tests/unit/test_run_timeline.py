"""The orchestrator notebook's timeline: drawn on Databricks only, and never an error."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import pytest

from medallion_orchestrator.application import Application
from medallion_orchestrator.history.run_log import HistoryTables
from medallion_orchestrator.run_timeline import display_timeline

T0 = datetime(2026, 12, 1, 9, 0, 0)


class FakeHistory:
    tables = HistoryTables("dev_silver", "metadata")

    def run(self, run_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        if run_id != "r1":
            return None, []
        attempt = {
            "task": "dev_silver.crm.accounts",
            "attempt": 1,
            "status": "SUCCESS",
            "execution_order": 1,
            "started_at": T0,
            "ended_at": T0 + timedelta(seconds=3),
            "rows_written": 2,
            "error": None,
        }
        return {"run_id": run_id, "layer": "crm", "started_at": T0}, [attempt]


class NoRows:
    def active_rows(self, layer: str | None = None) -> list[object]:
        return []

    def active_layers(self) -> list[str]:
        return []


@pytest.fixture()
def app() -> Application:
    return Application().replace(run_history=FakeHistory(), repository=NoRows())


def test_on_databricks_the_run_is_shown(app: Application, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "15.4")
    shown: list[str] = []
    display_timeline(app, "r1", shown.append)
    assert len(shown) == 1
    assert "Plotly.newPlot" in shown[0]
    assert "accounts" in shown[0]
    assert "<html" not in shown[0]  # a fragment, for displayHTML


def test_a_timeline_that_cannot_be_drawn_is_only_logged(
    app: Application, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "15.4")
    shown: list[str] = []
    with caplog.at_level(logging.ERROR):
        display_timeline(app, "nosuch", shown.append)
    assert shown == []
    assert "could not draw the timeline of run nosuch" in caplog.text


def test_off_databricks_nothing_is_shown(app: Application, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    shown: list[str] = []
    display_timeline(app, "r1", shown.append)
    assert shown == []
