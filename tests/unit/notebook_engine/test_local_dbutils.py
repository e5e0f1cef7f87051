"""The local dbutils: widgets, notebook.exit and notebook.run behave as on Databricks."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from medallion_orchestrator.notebook_engine.dbutils import (
    InputWidgetNotDefined,
    LocalDbutils,
    NotebookExit,
    Widgets,
)


class ChildRunner:
    def __init__(self, value: str | None = "child done") -> None:
        self.value = value
        self.calls: list[tuple[str, int, dict[str, str]]] = []

    def __call__(self, path: str, timeout_seconds: int, arguments: Mapping[str, str]) -> str | None:
        self.calls.append((path, timeout_seconds, dict(arguments)))
        return self.value


def test_an_argument_overrides_the_widget_default() -> None:
    widgets = Widgets({"environment": "prod"})
    widgets.text("environment", "dev")
    widgets.text("layer", "bronze_to_silver")

    assert widgets.get("environment") == "prod"
    assert widgets.get("layer") == "bronze_to_silver"
    assert widgets.getAll() == {"environment": "prod", "layer": "bronze_to_silver"}


def test_an_argument_is_readable_without_a_widget_definition() -> None:
    assert Widgets({"task": "{}"}).get("task") == "{}"


def test_a_widget_neither_defined_nor_passed_raises() -> None:
    with pytest.raises(InputWidgetNotDefined, match="No input widget named layer is defined"):
        Widgets({}).get("layer")


def test_get_argument_returns_its_default_for_an_undefined_widget() -> None:
    widgets = Widgets({"a": "1"})
    widgets.text("b", "2")

    assert widgets.getArgument("a", "x") == "1"
    assert widgets.getArgument("b", "x") == "2"
    assert widgets.getArgument("c", "x") == "x"
    assert widgets.getArgument("c") is None


def test_a_dropdown_default_must_be_one_of_its_choices() -> None:
    widgets = Widgets({})
    widgets.dropdown("layer", "silver_to_gold", ["bronze_to_silver", "silver_to_gold"])

    assert widgets.get("layer") == "silver_to_gold"
    with pytest.raises(ValueError, match="default 'gold' is not one of"):
        widgets.dropdown("layer", "gold", ["bronze_to_silver", "silver_to_gold"])


def test_remove_drops_a_definition() -> None:
    widgets = Widgets({})
    widgets.text("a", "1")
    widgets.text("b", "2")

    widgets.remove("a")
    assert widgets.getArgument("a") is None
    widgets.removeAll()
    assert widgets.getAll() == {}


@pytest.mark.parametrize(("value", "expected"), [("done", "done"), ("", "")])
def test_notebook_exit_raises_notebook_exit_with_a_string(value: object, expected: str) -> None:
    dbutils = LocalDbutils({}, ChildRunner())

    with pytest.raises(NotebookExit) as raised:
        dbutils.notebook.exit(value)

    assert raised.value.value == expected
    assert not isinstance(raised.value, Exception)  # `except Exception` in a notebook won't eat it


def test_notebook_run_calls_the_child_runner() -> None:
    child = ChildRunner('{"status": "SUCCESS"}')
    dbutils = LocalDbutils({}, child)

    value = dbutils.notebook.run("./child", 600, {"task": "{}", "environment": "dev"})

    assert value == '{"status": "SUCCESS"}'
    assert child.calls == [("./child", 600, {"task": "{}", "environment": "dev"})]


def test_notebook_run_without_an_exit_value_returns_an_empty_string() -> None:
    child = ChildRunner(None)

    assert LocalDbutils({}, child).notebook.run("./child", 0, {}) == ""
    assert child.calls == [("./child", 0, {})]


@pytest.mark.parametrize("arguments", [(), (None,), ([("layer", "x")],), ("layer=x",)], ids=repr)
def test_notebook_run_arguments_are_a_mapping_that_must_be_given(arguments: tuple) -> None:
    # dbutils_stub.py: run(path: str, timeout_seconds: int, arguments: Mapping[str, str])
    child = ChildRunner()

    with pytest.raises(TypeError, match="arguments"):
        LocalDbutils({}, child).notebook.run("./child", 60, *arguments)
    assert child.calls == []


def test_notebook_run_arguments_must_be_strings() -> None:
    child = ChildRunner()
    dbutils = LocalDbutils({}, child)

    with pytest.raises(TypeError, match="arguments must be strings: workers, flag"):
        dbutils.notebook.run("./child", 60, {"layer": "x", "workers": 5, "flag": True})  # type: ignore[dict-item]
    assert child.calls == []


@pytest.mark.parametrize("timeout", [-1, 1.5, "60"])
def test_notebook_run_timeout_must_be_a_non_negative_int(timeout: object) -> None:
    child = ChildRunner()

    with pytest.raises(ValueError, match="timeout_seconds must be a non-negative int"):
        LocalDbutils({}, child).notebook.run("./child", timeout, {})  # type: ignore[arg-type]
    assert child.calls == []


# As strict as Databricks' dbutils (databricks-sdk's runtime/dbutils_stub.py and its docs).


@pytest.mark.parametrize("default", [5, None, True, 1.5])
def test_a_widget_default_must_be_a_string(default: object) -> None:
    widgets = Widgets({})

    with pytest.raises(TypeError, match="default"):
        widgets.text("workers", default)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="default"):
        widgets.dropdown("workers", default, ["5"])  # type: ignore[arg-type]


def test_choices_must_be_strings() -> None:
    with pytest.raises(TypeError, match="choices"):
        Widgets({}).dropdown("workers", "5", [5, "5"])  # type: ignore[list-item]


def test_a_multiselect_default_must_be_one_of_its_choices() -> None:
    widgets = Widgets({})
    widgets.multiselect("layers", "gold", ["silver", "gold"])

    assert widgets.get("layers") == "gold"
    with pytest.raises(ValueError, match="default 'bronze' is not one of"):
        widgets.multiselect("layers", "bronze", ["silver", "gold"])


def test_a_combobox_default_need_not_be_a_choice() -> None:
    widgets = Widgets({})
    widgets.combobox("layer", "my_layer", ["bronze_to_silver", "silver_to_gold"])

    assert widgets.get("layer") == "my_layer"


def test_removing_a_widget_that_does_not_exist_raises() -> None:
    widgets = Widgets({})
    widgets.text("a", "1")
    widgets.remove("a")

    with pytest.raises(InputWidgetNotDefined, match="a"):
        widgets.remove("a")


@pytest.mark.parametrize("value", [42, None, {"status": "SUCCESS"}, b"done"])
def test_an_exit_value_must_be_a_string(value: object) -> None:
    with pytest.raises(TypeError, match="exit value must be a string"):
        LocalDbutils({}, ChildRunner()).notebook.exit(value)  # type: ignore[arg-type]


def test_an_exit_value_past_5_mb_is_cut_as_databricks_returns_it() -> None:
    limit = 5 * 1024 * 1024

    with pytest.raises(NotebookExit) as raised:
        LocalDbutils({}, ChildRunner()).notebook.exit("é" * limit)

    assert len(raised.value.value.encode("utf-8")) <= limit
    assert raised.value.value == "é" * (limit // 2)


def test_notebook_run_path_and_argument_names_must_be_strings() -> None:
    child = ChildRunner()
    dbutils = LocalDbutils({}, child)

    with pytest.raises(TypeError, match="path"):
        dbutils.notebook.run(None, 60, {})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="arguments must be strings"):
        dbutils.notebook.run("./child", 60, {1: "x"})  # type: ignore[dict-item]
    assert child.calls == []
