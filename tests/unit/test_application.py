"""The composition root cannot be fooled: unknown parts are refused, given ones used as given."""

from __future__ import annotations

import pytest

from medallion_orchestrator.application import PARTS, Application


def test_a_misspelt_part_is_refused_naming_the_parts() -> None:
    with pytest.raises(TypeError, match=r"Application has no part runnr \(parts: .*runner"):
        Application().replace(runnr=object())


def test_a_falsy_part_is_used_as_given() -> None:
    app = Application().replace(pipelines={}, dbutils=None)

    assert app.pipelines == {}
    assert app.dbutils is None


def test_every_part_can_be_replaced() -> None:
    assert {"spark", "lakehouse", "runner", "clock", "pipelines", "run_history"} <= PARTS
    assert "replace" not in PARTS and "metadata_table" not in PARTS
