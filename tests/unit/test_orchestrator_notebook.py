"""The orchestrator notebook's widgets: no silent `local` on Databricks, layers from the table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from medallion_orchestrator.application import Application
from medallion_orchestrator.errors import ConfigError
from medallion_orchestrator.notebook_support import layer_choices, required_environment

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


def test_the_notebook_reads_the_environment_strictly_and_offers_layers_as_a_dropdown() -> None:
    source = NOTEBOOK.read_text(encoding="utf-8")
    assert re.search(r"dbutils\.widgets\.dropdown\(\"layer\", default_layer, layers\)", source)
    assert 'widgets.text("layer"' not in source
    assert 'required_environment(dbutils.widgets.get("environment"))' in source
