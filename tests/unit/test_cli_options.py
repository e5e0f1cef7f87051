from __future__ import annotations

import logging
from pathlib import Path

import pytest

from medallion_orchestrator import variables
from medallion_orchestrator.cli import _parser, resolve_home


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


def test_the_default_home_is_the_projects_wherever_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "pipelines.yml").write_text("pipelines: {}\n")
    monkeypatch.delenv(variables.HOME, raising=False)
    monkeypatch.delenv(variables.PROJECT_DIR, raising=False)
    monkeypatch.chdir(tmp_path / "conf")

    assert resolve_home(None) == tmp_path.resolve() / ".medallion"
    assert resolve_home("elsewhere") == Path("elsewhere")
    monkeypatch.setenv(variables.HOME, "/from/env")
    assert resolve_home(None) == Path("/from/env")


def test_select_takes_several_names() -> None:
    args = _parser().parse_args(
        ["run", "--layer", "l", "--select", "a.b.c", "+a.b.d", "--select", "a.b.e"]
    )
    assert args.select == ["a.b.c", "+a.b.d", "a.b.e"]


@pytest.mark.parametrize("argv", [["sql", "-f", "nowhere.sql"], ["metadata", "load", "nowhere/"]])
def test_a_missing_file_is_refused_before_anything_starts(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        _parser().parse_args(argv)
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(f"no such file or folder: {argv[-1]}")


def test_other_libraries_info_lines_are_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from medallion_orchestrator.cli import _configure_logging

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", logging.WARNING)
    ours = logging.getLogger("medallion_orchestrator")
    monkeypatch.setattr(ours, "level", logging.NOTSET)
    try:
        _configure_logging(verbose=False)
        assert logging.getLogger("kaleido").getEffectiveLevel() == logging.WARNING
        assert logging.getLogger("medallion_orchestrator.execution.progress").isEnabledFor(
            logging.INFO
        )
    finally:
        root.handlers.clear()
