"""A plan's picture with past durations: each layer's own, for layers run together too; shown in
the orchestrator notebook's dry run on Databricks only, and never an error there."""

from __future__ import annotations

import logging

import pytest

from medallion_orchestrator.application import Application
from medallion_orchestrator.plan_views import display_plan, plan_picture_of
from medallion_orchestrator.planning import Batch, NotebookTask, Plan, plan_together
from medallion_orchestrator.project import Environment

SILVER = Plan("bronze_to_silver", (Batch(1, (NotebookTask("s.a", "nb/a", 1, 60),)),))
GOLD = Plan("silver_to_gold", (Batch(1, (NotebookTask("g.b", "nb/b", 1, 60),)),))


class FakeHistory:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def durations(self, layer: str) -> dict[str, list[float]]:
        self.asked.append(layer)
        return {"bronze_to_silver": {"s.a": [30.0]}, "silver_to_gold": {"g.b": [10.0]}}[layer]


@pytest.fixture()
def app() -> Application:
    environment = Environment("local", "dev_silver.metadata.execution_table", max_workers=3)
    return Application().replace(run_history=FakeHistory(), environment=environment)


def test_layers_run_together_are_drawn_with_each_layers_past_durations(app: Application) -> None:
    together = plan_together([SILVER, GOLD], {"g.b": ("s.a",)})

    picture = plan_picture_of(app, together, "dag", layers=["bronze_to_silver", "silver_to_gold"])

    assert {task.key: task.seconds for task in picture.tasks} == {"s.a": 30.0, "g.b": 10.0}
    assert picture.critical_path == ("s.a", "g.b")
    assert picture.lower_bound == 40.0


def test_on_databricks_the_dry_runs_plan_is_shown(
    app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "15.4")
    shown: list[str] = []

    display_plan(app, SILVER, "batch", shown.append)

    assert len(shown) == 1
    assert "Plotly.newPlot" in shown[0] and "<html" not in shown[0]


def test_off_databricks_nothing_is_shown_and_a_failure_is_only_logged(
    app: Application, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shown: list[str] = []
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    display_plan(app, SILVER, "batch", shown.append)
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "15.4")
    with caplog.at_level(logging.ERROR):
        display_plan(app, Plan("unknown_layer", ()), "batch", shown.append)

    assert shown == []
    assert "could not draw the plan of unknown_layer" in caplog.text
