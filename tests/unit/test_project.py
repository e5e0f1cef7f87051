"""Finding the project folder and reading conf/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from medallion_orchestrator.errors import ConfigError
from medallion_orchestrator.project import (
    DatabricksSettings,
    Environment,
    Pipeline,
    ProjectLayout,
    load_environment,
    load_pipelines,
)

PIPELINES_YML = """\
pipelines:
  scd1:
    notebook: silver/nb_silver_dim_loader
    requires: [business_key_columns]
  fact_overwrite:
    notebook: silver/nb_silver_fact_loader
"""
ENVIRONMENTS_YML = """\
default: local
environments:
  local:
    metadata_table: dev_silver.metadata.execution_table
  prod:
    metadata_table: prod_silver.metadata.execution_table
    max_workers: 8
    default_timeout_seconds: 3600
    catalogs:
      dev_bronze: prod_bronze
      dev_silver: prod_silver
"""


@pytest.fixture(autouse=True)
def no_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDALLION_PROJECT_DIR", raising=False)
    monkeypatch.delenv("MEDALLION_ENV", raising=False)


def make_project(
    root: Path,
    pipelines: str = PIPELINES_YML,
    environments: str = ENVIRONMENTS_YML,
    notebooks: tuple[str, ...] = ("silver/nb_silver_dim_loader", "silver/nb_silver_fact_loader"),
) -> ProjectLayout:
    (root / "conf").mkdir(parents=True)
    (root / "conf" / "pipelines.yml").write_text(pipelines, encoding="utf-8")
    (root / "conf" / "environments.yml").write_text(environments, encoding="utf-8")
    for notebook in notebooks:
        path = root / "notebooks" / f"{notebook}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# Databricks notebook source\n", encoding="utf-8")
    return ProjectLayout(root)


def test_find_walks_up_from_a_nested_folder(tmp_path: Path) -> None:
    make_project(tmp_path / "proj")
    nested = tmp_path / "proj" / "notebooks" / "silver" / "deeper"
    nested.mkdir(parents=True)

    layout = ProjectLayout.find(nested)

    assert layout.root == (tmp_path / "proj").resolve()
    assert layout.notebooks_dir == layout.root / "notebooks"
    assert layout.sql_dir == layout.root / "metadata" / "sql"
    assert layout.conf_dir == layout.root / "conf"
    assert layout.ddl_dir == layout.root / "metadata" / "ddl"


def test_find_from_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_project(tmp_path)
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a" / "b")

    assert ProjectLayout.find().root == tmp_path.resolve()


def test_the_project_dir_variable_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_project(tmp_path / "chosen")
    make_project(tmp_path / "here")
    monkeypatch.setenv("MEDALLION_PROJECT_DIR", str(tmp_path / "chosen"))

    assert ProjectLayout.find(tmp_path / "here").root == (tmp_path / "chosen").resolve()


def test_a_project_dir_variable_without_conf_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(tmp_path / "here")
    monkeypatch.setenv("MEDALLION_PROJECT_DIR", str(tmp_path / "empty"))

    with pytest.raises(ConfigError, match=r"MEDALLION_PROJECT_DIR=.*empty holds no conf/pipelines"):
        ProjectLayout.find(tmp_path / "here")


def test_load_pipelines(tmp_path: Path) -> None:
    assert load_pipelines(make_project(tmp_path)) == {
        "scd1": Pipeline("scd1", "silver/nb_silver_dim_loader", ("business_key_columns",)),
        "fact_overwrite": Pipeline("fact_overwrite", "silver/nb_silver_fact_loader", ()),
    }


def test_a_pipeline_whose_notebook_file_is_missing(tmp_path: Path) -> None:
    layout = make_project(tmp_path, notebooks=("silver/nb_silver_dim_loader",))

    with pytest.raises(ConfigError) as raised:
        load_pipelines(layout)

    message = str(raised.value)
    assert "pipeline 'fact_overwrite': no notebook" in message
    assert message.endswith("notebooks/silver/nb_silver_fact_loader.py")


@pytest.mark.parametrize(
    "entry",
    ["scd1:\n    requires: [business_key_columns]", "scd1: silver/nb", "scd1:\n    notebook: 3"],
)
def test_a_pipeline_without_a_notebook(entry: str, tmp_path: Path) -> None:
    layout = make_project(tmp_path, pipelines=f"pipelines:\n  {entry}\n")

    with pytest.raises(ConfigError, match="pipeline 'scd1': needs a `notebook`"):
        load_pipelines(layout)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pipelines: {}\n", "`pipelines` must map pipeline names to notebooks"),
        ("other: 1\n", "`pipelines` must map pipeline names to notebooks"),
        ("- a\n- b\n", "must hold a mapping"),
        ("pipelines: [\n", "is not valid YAML"),
    ],
)
def test_a_wrong_pipelines_file(text: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=message):
        load_pipelines(make_project(tmp_path, pipelines=text))


def test_a_missing_conf_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing .*pipelines\.yml"):
        load_pipelines(ProjectLayout(tmp_path))


def test_the_default_environment(tmp_path: Path) -> None:
    environment = load_environment(make_project(tmp_path))

    assert environment == Environment("local", "dev_silver.metadata.execution_table")
    assert (environment.max_workers, environment.default_timeout_seconds) == (5, 7200)
    assert environment.catalog("dev_silver") == "dev_silver"


def test_an_environment_by_name_with_its_catalog_mapping(tmp_path: Path) -> None:
    prod = load_environment(make_project(tmp_path), "prod")

    assert prod.metadata_table == "prod_silver.metadata.execution_table"
    assert (prod.max_workers, prod.default_timeout_seconds) == (8, 3600)
    assert dict(prod.catalogs) == {"dev_bronze": "prod_bronze", "dev_silver": "prod_silver"}
    assert prod.catalog("dev_silver") == "prod_silver"
    assert prod.catalog("dev_gold") == "dev_gold"


def test_the_environment_variable_chooses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDALLION_ENV", "prod")

    assert load_environment(make_project(tmp_path)).name == "prod"


def test_an_unknown_environment_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown environment 'qa' \(known: local, prod\)"):
        load_environment(make_project(tmp_path), "qa")


def test_no_environments_at_all(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown environment 'local' \(known: none\)"):
        load_environment(make_project(tmp_path, environments="default: local\n"))


def test_an_unknown_environment_setting_is_an_error(tmp_path: Path) -> None:
    text = "environments:\n  local:\n    metadata_table: a.b.c\n    workers: 3\n"

    with pytest.raises(ConfigError, match=r"environment 'local': .*workers"):
        load_environment(make_project(tmp_path, environments=text))


def test_databricks_settings_of_an_environment(tmp_path: Path) -> None:
    text = (
        "environments:\n  dev:\n    metadata_table: a.b.c\n    databricks:\n"
        "      notebooks_root: ~/.bundle/x/dev/files/notebooks\n"
        "      existing_cluster_id: 0101-abc\n      poll_seconds: 5\n"
    )

    dev = load_environment(make_project(tmp_path, environments=text), "dev")

    assert dev.databricks == DatabricksSettings("~/.bundle/x/dev/files/notebooks", "0101-abc", 5)
    assert load_environment(make_project(tmp_path / "other")).databricks is None


@pytest.mark.parametrize(
    ("databricks", "message"),
    [
        ("{cluster: 0101-abc}", "cluster"),
        ("{notebooks_root: /Workspace/x, cluster: 0101-abc}", "cluster"),
        ("{notebooks_root: notebooks}", "must be absolute"),
        ("/Workspace/x", "must be a mapping"),
    ],
)
def test_wrong_databricks_settings(tmp_path: Path, databricks: str, message: str) -> None:
    text = f"environments:\n  local:\n    metadata_table: a.b.c\n    databricks: {databricks}\n"

    with pytest.raises(ConfigError, match=rf"environment 'local': .*{message}"):
        load_environment(make_project(tmp_path, environments=text))


def test_every_wrong_setting_of_an_environment_is_named_at_once(tmp_path: Path) -> None:
    text = (
        "environments:\n  local:\n    max_workers: '5'\n    max_retries: -1\n"
        "    retry_delay_seconds: true\n    catalogs: {dev_silver: 3}\n"
        "    databricks: {notebooks_root: /Workspace/x, poll_seconds: fast}\n"
    )

    with pytest.raises(ConfigError) as raised:
        load_environment(make_project(tmp_path, environments=text))

    assert str(raised.value) == (
        "conf/environments.yml: environment 'local': "
        "`metadata_table` is required; "
        "`max_workers` must be a whole number, not '5' (written in quotes); "
        "`max_retries` must be at least 0, not -1; "
        "`retry_delay_seconds` must be a number, not True; "
        "`catalogs` must be a mapping of names to names, not {'dev_silver': 3}; "
        "databricks: `poll_seconds` must be a number, not 'fast'"
    )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("max_workers: 0", "`max_workers` must be at least 1, not 0"),
        ("max_workers: 2.5", "`max_workers` must be a whole number, not 2.5"),
        ("lock_expiry_seconds: '300'", "not '300' (written in quotes)"),
        ("metadata_table: 7", "`metadata_table` must be text, not 7"),
        ("metadata_table:", "`metadata_table` must be text, not empty"),
    ],
)
def test_a_setting_of_the_wrong_kind(tmp_path: Path, setting: str, message: str) -> None:
    base = "    metadata_table: a.b.c\n" if not setting.startswith("metadata_table") else ""
    text = f"environments:\n  local:\n{base}    {setting}\n"

    with pytest.raises(ConfigError, match=re.escape(message)):
        load_environment(make_project(tmp_path, environments=text))


def test_empty_optional_settings_take_their_defaults(tmp_path: Path) -> None:
    text = "environments:\n  local:\n    metadata_table: a.b.c\n    catalogs:\n"

    assert load_environment(make_project(tmp_path, environments=text)).catalogs == {}


def test_every_wrong_pipeline_is_named_at_once(tmp_path: Path) -> None:
    text = (
        "pipelines:\n  scd1:\n    notebook: silver/nb_silver_dim_loader\n"
        "    requires: business_key_columns\n"
        "  fact_overwrite:\n    notebook: silver/nb_silver_fact_loader\n    require: [x]\n"
    )

    with pytest.raises(ConfigError) as raised:
        load_pipelines(make_project(tmp_path, pipelines=text))

    assert str(raised.value) == (
        "conf/pipelines.yml: pipeline 'scd1': `requires` must be a list of names, not "
        "'business_key_columns'; pipeline 'fact_overwrite': unknown setting `require` "
        "(known: notebook, requires)"
    )
