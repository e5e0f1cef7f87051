"""What a caller asks of a run, checked once when it is made, with the words the CLI prints."""

from __future__ import annotations

import pytest

from medallion_orchestrator.errors import ConfigError, InvalidMetadata
from medallion_orchestrator.run_request import RunRequest, Scheduler

TWO = ("bronze_to_silver", "silver_to_gold")


def test_one_layer_is_a_name_and_several_a_sequence() -> None:
    assert RunRequest("bronze_to_silver").layers == ("bronze_to_silver",)
    assert RunRequest(list(TWO)).layers == TWO
    assert RunRequest("bronze_to_silver").layer == "bronze_to_silver"
    with pytest.raises(ValueError, match="one layer expected, not 2"):
        _ = RunRequest(TWO).layer


def test_the_request_is_a_value() -> None:
    request = RunRequest("l", select=["a.b.c"], scheduler="dag")
    assert request == RunRequest("l", select=("a.b.c",), scheduler=Scheduler.DAG)
    assert hash(request) == hash(RunRequest("l", select=("a.b.c",), scheduler=Scheduler.DAG))


@pytest.mark.parametrize("max_workers", [0, -1])
def test_max_workers_is_at_least_one(max_workers: int) -> None:
    with pytest.raises(ConfigError, match=r"^--max-workers must be at least 1$"):
        RunRequest("l", max_workers=max_workers)
    assert RunRequest("l", max_workers=None).max_workers is None  # the environment's


def test_an_unknown_scheduler_is_refused() -> None:
    with pytest.raises(ValueError, match="'fast' is not a valid Scheduler"):
        RunRequest("l", scheduler="fast")


@pytest.mark.parametrize("asked", [{"repair_of": "20240101-000000-abcdef"}, {"select": ["a.b.c"]}])
def test_repair_and_select_take_one_layer(asked: dict[str, object]) -> None:
    with pytest.raises(ConfigError) as refused:
        RunRequest(TWO, **asked)  # type: ignore[arg-type]
    assert str(refused.value) == (
        "--repair and --select take one --layer: each layer's run is repaired on its own"
    )


def test_layers_together_are_not_run_in_batches() -> None:
    with pytest.raises(InvalidMetadata, match="--scheduler batch: layers run together run as one"):
        RunRequest(TWO, scheduler="batch")
    assert RunRequest(TWO, scheduler="dag").scheduler is Scheduler.DAG


def test_layers_together_are_always_recorded() -> None:
    with pytest.raises(ConfigError, match="layers run together are always recorded"):
        RunRequest(TWO, record=False)


def test_a_request_names_a_layer() -> None:
    with pytest.raises(ConfigError, match="--layer: give at least one layer"):
        RunRequest(())
