"""The orchestrator notebook: no silent `local` on Databricks, layers from the table, and an exit
value that stays far below Databricks' 5 MB."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from medallion_orchestrator.application import Application
from medallion_orchestrator.errors import ConfigError
from medallion_orchestrator.execution.results import RunResult, exit_value
from medallion_orchestrator.notebook_support import layer_choices, required_environment
from medallion_orchestrator.tasks import TRACEBACK_LIMIT, TaskResult, TaskStatus

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "orchestrator" / "nb_orchestrator.py"


class FakeRepository:
    def __init__(self, layers: list[str] | None) -> None:
        self.layers = layers

    def exists(self) -> bool:
        return self.layers is not None

    def active_layers(self) -> list[str]:
        assert self.layers is not None
        return self.layers


def test_an_empty_environment_on_databricks_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "15.4")
    with pytest.raises(ConfigError, match="widget `environment` is empty"):
        required_environment("")
    assert required_environment("prod") == "prod"


def test_an_empty_environment_off_databricks_is_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    assert required_environment("") is None


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        (["bronze_to_silver", "fe_b", "silver_to_gold"], "bronze_to_silver"),
        (["fe_a", "fe_b"], "fe_a"),
        ([], "bronze_to_silver"),
        (None, "bronze_to_silver"),
    ],
)
def test_the_layer_choices_are_the_tables_layers(layers: list[str] | None, expected: str) -> None:
    app = Application().replace(repository=FakeRepository(layers))
    default, choices = layer_choices(app)
    assert default == expected
    assert choices == (layers or ["bronze_to_silver", "silver_to_gold"])


def test_the_notebook_reads_the_environment_strictly_and_offers_layers_to_pick() -> None:
    source = NOTEBOOK.read_text(encoding="utf-8")
    assert re.search(r"dbutils\.widgets\.multiselect\(\"layer\", default_layer, layers\)", source)
    assert 'widgets.text("layer"' not in source
    assert 'required_environment(dbutils.widgets.get("environment"))' in source


# The notebook's own exit value: Databricks keeps only its first 5 MB.

FIVE_MB = 5 * 1024 * 1024
T0 = datetime(2024, 5, 1, 6, 0, tzinfo=timezone.utc)


def failed(number: int, traceback_chars: int = TRACEBACK_LIMIT) -> TaskResult:
    error = "Traceback (most recent call last):\n" + "x" * traceback_chars + "\nKeyError: 'id'\n"
    return TaskResult(
        key=f"dev_silver.shop.t{number}",
        notebook="silver/nb_silver_dim_loader",
        execution_order=1,
        status=TaskStatus.FAILED,
        message="KeyError: 'id'",
        started_at=T0,
        ended_at=T0,
        duration_seconds=1.0,
        error=error,
        output={"extra": "y" * 50_000},
        error_class="KeyError",
    )


def test_the_exit_value_stays_far_below_5_mb_with_many_long_failures() -> None:
    run = RunResult("r", "bronze_to_silver", T0, T0, tuple(failed(n) for n in range(300)))
    assert len(run.to_json()) > FIVE_MB  # what the notebook used to exit with

    value = json.loads(text := run.to_exit_value())

    assert len(text.encode("utf-8")) <= FIVE_MB // 4
    assert len(value["results"]) == 300
    for result in value["results"]:
        assert (result["error_class"], result["message"]) == ("KeyError", "KeyError: 'id'")
        assert result["error"] is None or result["error"].endswith("KeyError: 'id'\n")
    assert value["counts"]["FAILED"] == 300


def test_a_traceback_is_cut_to_its_end() -> None:
    run = RunResult("r", "l", T0, T0, (failed(1, traceback_chars=5000),))

    [result] = json.loads(run.to_exit_value())["results"]

    assert result["error"].endswith("\nKeyError: 'id'\n")
    assert len(result["error"]) < 5000


def test_past_its_limit_the_last_results_are_counted_not_listed() -> None:
    run = RunResult("r", "l", T0, T0, tuple(failed(n, 10) for n in range(50)))

    text = run.to_exit_value(limit=4000)

    value = json.loads(text)
    assert len(text) <= 4000
    assert 0 < len(value["results"]) < 50
    assert value["results_omitted"] == 50 - len(value["results"])
    assert value["counts"]["FAILED"] == 50


def test_layers_run_together_exit_with_each_run_within_the_limit() -> None:
    silver = RunResult("s", "bronze_to_silver", T0, T0, tuple(failed(n, 10) for n in range(50)))
    gold = RunResult("g", "silver_to_gold", T0, T0, tuple(failed(n, 10) for n in range(50)))

    text = exit_value([silver, gold], limit=8000)

    value = json.loads(text)
    assert len(text) <= 8000
    assert [run["layer"] for run in value["runs"]] == ["bronze_to_silver", "silver_to_gold"]
    assert all(0 < len(run["results"]) < 50 for run in value["runs"])
    assert exit_value([silver], limit=4000) == silver.to_exit_value(limit=4000)


def test_the_notebook_exits_with_the_bounded_value() -> None:
    source = NOTEBOOK.read_text(encoding="utf-8")
    assert "dbutils.notebook.exit(exit_value(results))" in source
