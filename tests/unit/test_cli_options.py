from __future__ import annotations

import pytest

from medallion_orchestrator.cli import _parser


@pytest.mark.parametrize(
    "argv",
    [
        ["--env", "dev", "--home", "/h", "init"],
        ["init", "--env", "dev", "--home", "/h"],
        ["--env", "dev", "init", "--home", "/h"],
    ],
)
def test_common_options_are_kept_before_or_after_the_command(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    assert (args.env, args.home) == ("dev", "/h")


def test_common_options_have_defaults() -> None:
    args = _parser().parse_args(["init"])
    assert (args.env, args.metadata_table, args.verbose) == (None, None, False)


def test_run_needs_a_layer() -> None:
    with pytest.raises(SystemExit) as exited:
        _parser().parse_args(["run"])
    assert exited.value.code == 2
