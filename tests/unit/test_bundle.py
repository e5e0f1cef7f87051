"""conf/databricks.yml: every notebook, parameter, path and environment it names exists."""

from __future__ import annotations

import os
import re
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from medallion_orchestrator.project import ProjectLayout, load_environment

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "conf"
ORCHESTRATOR = "nb_orchestrator"
ORCHESTRATOR_JOB = "medallion_orchestrator"
JOB_PARAMETER = re.compile(r"\{\{\s*job\.parameters\.(\w+)\s*\}\}")
WIDGET = re.compile(r"dbutils\.widgets\.(?:text|dropdown|combobox|multiselect)\(\s*[\"'](\w+)[\"']")
BUNDLE_VARIABLE = re.compile(r"\$\{var\.(\w+)\}")
HOME_OF_DEPLOYER = "/Workspace/Users/${workspace.current_user.userName}/"
# Variables a target leaves to the deployer (`--var` or BUNDLE_VAR_<name>): the CLI refuses to
# deploy that target without them, so it never runs on a placeholder. Every other one has a value.
GIVEN_AT_DEPLOY = {"dev": set(), "prod": {"run_as_service_principal", "failure_webhook_id"}}
DATABRICKS_DOC = ROOT / "docs" / "databricks.md"
# Each runtime the bundle may name, and the Apache Spark line it runs: the release notes'
# "Databricks Runtime release notes versions and compatibility" table.
RUNTIME_SPARK_LINE = {"18.x": "4.1", "17.3.x": "4.0", "16.4.x": "3.5", "15.4.x": "3.5"}
SPARK_VERSION_KEY = re.compile(r"(?P<runtime>\d+(?:\.\d+)?\.x)-scala(?P<scala>[\d.]+)")
CONSTRAINT = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)$")


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    loaded = yaml.safe_load((CONF / "databricks.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def job(bundle: dict[str, Any]) -> dict[str, Any]:
    [job] = bundle["resources"]["jobs"].values()
    return job  # type: ignore[no-any-return]


def local_path(relative: str) -> Path:
    """A bundle path, relative to the file that names it (conf/databricks.yml)."""
    return (CONF / relative).resolve()


def widgets_of(notebook: Path) -> set[str]:
    return set(WIDGET.findall(notebook.read_text(encoding="utf-8")))


def target_variables(bundle: dict[str, Any], target: str) -> dict[str, Any]:
    """Each declared variable's value in the target, as the CLI assigns it (set_variables.go):
    the target's override, else the default; None where neither is given."""
    values = {name: _value(spec) for name, spec in bundle["variables"].items()}
    overrides = bundle["targets"][target].get("variables", {})
    return {**values, **{name: _value(value) for name, value in overrides.items()}}


def _value(spec: Any) -> Any:
    """A variable's value: a plain value, or the `default` (a `lookup` counts as a value)."""
    if not isinstance(spec, dict):
        return spec
    return spec.get("default", spec.get("lookup"))


def resolve(text: str, variables: dict[str, Any]) -> str:
    return BUNDLE_VARIABLE.sub(lambda match: str(variables[match.group(1)]), text)


def test_the_tasks_run_the_orchestrator_bronze_then_gold(job: dict[str, Any]) -> None:
    tasks = {task["task_key"]: task for task in job["tasks"]}

    assert list(tasks) == ["bronze_to_silver", "silver_to_gold"]
    assert "depends_on" not in tasks["bronze_to_silver"]
    assert tasks["silver_to_gold"]["depends_on"] == [{"task_key": "bronze_to_silver"}]
    for key, task in tasks.items():
        assert task["notebook_task"]["base_parameters"]["layer"] == key


def test_every_notebook_path_exists(job: dict[str, Any]) -> None:
    for task in job["tasks"]:
        path = local_path(task["notebook_task"]["notebook_path"])
        assert path.suffix == ".py", "bundle notebook paths carry the file's extension"
        assert path.is_file(), path
        assert path.read_text(encoding="utf-8").startswith("# Databricks notebook source")
        assert path.is_relative_to(ROOT / "notebooks")


def test_every_notebook_is_synced(bundle: dict[str, Any], job: dict[str, Any]) -> None:
    synced = [local_path(path) for path in bundle["sync"]["paths"]]

    for task in job["tasks"]:
        notebook = local_path(task["notebook_task"]["notebook_path"])
        assert any(notebook.is_relative_to(folder) for folder in synced), notebook
    needed = [CONF, ROOT / "notebooks", ROOT / "metadata", ROOT / "src"]
    assert set(needed) <= set(synced)


def test_every_base_parameter_is_a_widget_of_the_notebook(job: dict[str, Any]) -> None:
    for task in job["tasks"]:
        notebook = local_path(task["notebook_task"]["notebook_path"])
        assert set(task["notebook_task"]["base_parameters"]) <= widgets_of(notebook)


def test_every_job_parameter_is_declared_and_a_widget(job: dict[str, Any]) -> None:
    declared = {parameter["name"] for parameter in job["parameters"]}
    used = set(JOB_PARAMETER.findall(yaml.safe_dump(job["tasks"])))

    assert used
    assert used <= declared
    for task in job["tasks"]:
        # job parameters reach every notebook task as widgets, and win over task parameters
        notebook = local_path(task["notebook_task"]["notebook_path"])
        assert declared <= widgets_of(notebook)
    assert "layer" not in declared, "a job parameter `layer` would override both tasks' layer"


def test_one_run_at_a_time_every_day(job: dict[str, Any]) -> None:
    assert job["max_concurrent_runs"] == 1
    seconds, minutes, hours, day_of_month, month, day_of_week = job["schedule"][
        "quartz_cron_expression"
    ].split()[:6]
    assert all(field.isdigit() for field in (seconds, minutes, hours))
    assert (day_of_month, month, day_of_week) in {("*", "*", "?"), ("?", "*", "*")}
    assert job["schedule"]["timezone_id"]


def test_the_wheel_is_built_where_the_tasks_install_it(
    bundle: dict[str, Any], job: dict[str, Any]
) -> None:
    [artifact] = bundle["artifacts"].values()
    project = local_path(artifact["path"])
    output = re.search(r"--wheel-dir[ =](\S+)", artifact["build"])

    assert artifact["type"] == "whl"
    assert (project / "pyproject.toml").is_file()
    assert output is not None
    built = project / output.group(1) / "*.whl"
    for task in job["tasks"]:
        [library] = task["libraries"]
        assert local_path(library["whl"]) == built.resolve()


def test_dev_and_prod_name_different_catalogs_and_known_environments(
    bundle: dict[str, Any], job: dict[str, Any]
) -> None:
    assert set(bundle["targets"]) == {"dev", "prod"}
    assert bundle["targets"]["dev"].get("default") is True
    defaults = {parameter["name"]: parameter["default"] for parameter in job["parameters"]}
    layout = ProjectLayout(ROOT)
    seen = {}
    for target in ("dev", "prod"):
        variables = target_variables(bundle, target)
        environment = load_environment(layout, resolve(defaults["environment"], variables))
        metadata_table = resolve(defaults["metadata_table"], variables)

        assert environment.name == target
        assert metadata_table == environment.metadata_table
        assert int(resolve(defaults["max_workers"], variables)) == environment.max_workers
        seen[target] = (environment.name, metadata_table.split(".")[0])
    assert seen["dev"][0] != seen["prod"][0]
    assert seen["dev"][1] != seen["prod"][1]


def test_environments_find_the_notebooks_where_the_bundle_deploys_them(
    bundle: dict[str, Any],
) -> None:
    layout = ProjectLayout(ROOT)
    # the CLI syncs from the deepest folder holding every sync path
    sync_root = Path(os.path.commonpath([local_path(path) for path in bundle["sync"]["paths"]]))
    for target, settings in bundle["targets"].items():
        root_path = settings["workspace"]["root_path"].replace(HOME_OF_DEPLOYER, "~/")
        root_path = root_path.replace("${bundle.name}", "{name}")
        root_path = root_path.replace("${bundle.target}", "{target}")
        files = PurePosixPath(root_path.format(name=bundle["bundle"]["name"], target=target))
        deployed = files / "files" / (ROOT / "notebooks").relative_to(sync_root).as_posix()

        databricks = load_environment(layout, target).databricks
        assert databricks is not None
        assert databricks.notebooks_root == str(deployed)


def test_the_local_environment_has_no_databricks_settings() -> None:
    assert load_environment(ProjectLayout(ROOT), "local").databricks is None


def test_every_variable_used_is_declared(bundle: dict[str, Any]) -> None:
    used = set(BUNDLE_VARIABLE.findall((CONF / "databricks.yml").read_text(encoding="utf-8")))
    assert used <= set(bundle["variables"])


def test_prod_runs_as_a_service_principal_from_a_folder_only_it_writes(
    bundle: dict[str, Any],
) -> None:
    prod = bundle["targets"]["prod"]
    assert set(prod["run_as"]) == {"service_principal_name"}
    assert BUNDLE_VARIABLE.fullmatch(prod["run_as"]["service_principal_name"])
    root = prod["workspace"]["root_path"]
    assert root.startswith(HOME_OF_DEPLOYER) and "/Shared/" not in root
    levels = {
        entry.get("group_name")
        or entry.get("service_principal_name")
        or entry.get("user_name"): entry["level"]
        for entry in prod["permissions"]
    }
    assert levels[prod["run_as"]["service_principal_name"]] == "CAN_MANAGE"
    assert levels.get("users", "CAN_VIEW") == "CAN_VIEW", "every user must not run or edit it"


def test_failures_and_long_runs_are_reported_and_a_run_has_a_limit(
    bundle: dict[str, Any], job: dict[str, Any]
) -> None:
    variables = target_variables(bundle, "prod")
    timeout = int(resolve(str(job["timeout_seconds"]), variables))
    [rule] = job["health"]["rules"]
    warning = int(resolve(str(rule["value"]), variables))
    assert (rule["metric"], rule["op"]) == ("RUN_DURATION_SECONDS", "GREATER_THAN")
    assert 0 < warning < timeout
    emails = job["email_notifications"]
    assert BUNDLE_VARIABLE.fullmatch(emails["on_failure"])
    assert emails["on_duration_warning_threshold_exceeded"] == emails["on_failure"]
    hooks = bundle["targets"]["prod"]["resources"]["jobs"][ORCHESTRATOR_JOB]
    [on_failure] = hooks["webhook_notifications"]["on_failure"]
    assert on_failure["id"] == "${var.failure_webhook_id}"
    assert "default" not in bundle["variables"]["failure_webhook_id"], "prod must name one"


def test_the_access_mode_is_explicit_and_explained(job: dict[str, Any]) -> None:
    [cluster] = job["job_clusters"]
    assert cluster["new_cluster"]["data_security_mode"] == "SINGLE_USER"
    text = (CONF / "databricks.yml").read_text(encoding="utf-8")
    before = text[: text.index("data_security_mode:")].splitlines()
    assert before[-2].strip().startswith("#"), "say why this access mode"


def test_every_variable_has_a_value_in_every_target_but_what_the_deployer_gives(
    bundle: dict[str, Any],
) -> None:
    assert set(GIVEN_AT_DEPLOY) == set(bundle["targets"])
    for target, given in GIVEN_AT_DEPLOY.items():
        variables = target_variables(bundle, target)
        # `databricks bundle validate -t <target>` fails on any variable left without a value
        assert {name for name, value in variables.items() if value is None} == given, target


def test_prod_cannot_run_as_a_placeholder(bundle: dict[str, Any]) -> None:
    prod = bundle["targets"]["prod"]
    run_as = set(BUNDLE_VARIABLE.findall(prod["run_as"]["service_principal_name"]))
    webhook = set(BUNDLE_VARIABLE.findall(yaml.safe_dump(prod["resources"])))

    assert run_as | webhook == GIVEN_AT_DEPLOY["prod"]
    for name in GIVEN_AT_DEPLOY["prod"]:
        assert "default" not in bundle["variables"][name], name
        assert "lookup" not in bundle["variables"][name], name
        assert name not in prod.get("variables", {}), name
    deploy = re.search(r"databricks bundle deploy -t prod(?:.*\\\n)*.*", DATABRICKS_DOC.read_text())
    assert deploy is not None
    assert set(re.findall(r"--var (\w+)=", deploy.group(0))) >= GIVEN_AT_DEPLOY["prod"]


def test_the_docs_validate_and_deploy_dev_without_variables() -> None:
    text = DATABRICKS_DOC.read_text(encoding="utf-8")
    assert "databricks bundle validate -t dev\n" in text
    assert "databricks bundle deploy -t dev " in text


def test_the_docs_claim_no_cancelling_that_the_databricks_runner_cannot_do() -> None:
    from medallion_orchestrator.runners.dbutils_runner import DbutilsNotebookRunner

    readme = DATABRICKS_DOC.read_text(encoding="utf-8")
    start = readme.index("- `data_security_mode: SINGLE_USER`")
    paragraph = " ".join(readme[start : readme.index("\n\n", start)].split())
    comment = (CONF / "databricks.yml").read_text(encoding="utf-8")
    comment = " ".join(comment[: comment.index("data_security_mode:")].splitlines()[-6:])
    if not hasattr(DbutilsNotebookRunner, "cancel_running"):
        assert "cancels nothing itself on Databricks" in paragraph
        assert "`DbutilsNotebookRunner` has no cancel hook" in paragraph
        assert "cancels no Spark job itself" in comment


def _pyproject() -> dict[str, Any]:
    tomllib = pytest.importorskip("tomllib")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _requirements(group: str | None = None) -> list[Requirement]:
    project = _pyproject()["project"]
    specs = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return [Requirement(spec) for spec in specs]


def _constraints() -> dict[str, Version]:
    pins = {}
    for text in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line := text.split("#", 1)[0].strip():
            match = CONSTRAINT.match(line)
            assert match, f"constraints.txt pins exact versions only: {line!r}"
            pins[_normalized(match.group(1))] = Version(match.group(2))
    return pins


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _line(version: Version) -> str:
    return f"{version.major}.{version.minor}"


def test_the_job_runs_the_spark_line_that_local_runs_test(bundle: dict[str, Any]) -> None:
    key = bundle["variables"]["spark_version"]["default"]
    match = SPARK_VERSION_KEY.fullmatch(key)
    assert match, f"spark_version {key!r} is not a runtime key like 18.x-scala2.13"
    assert match.group("runtime") in RUNTIME_SPARK_LINE, (
        f"{key}: add its Spark version from the runtime's release notes to RUNTIME_SPARK_LINE"
    )
    spark_line = RUNTIME_SPARK_LINE[match.group("runtime")]
    assert match.group("scala") == "2.13", "Spark 4 and delta-spark's jars are Scala 2.13 only"
    pins = _constraints()
    local = {req.name: req.specifier for req in _requirements("local")}
    assert _line(pins["pyspark"]) == spark_line, (
        f"constraints.txt: pyspark {pins['pyspark']}, {key}"
    )
    assert pins["pyspark"] in local["pyspark"]
    # the `local` range admits no other line than the job's
    major, minor = (int(part) for part in spark_line.split("."))
    below = f"{major}.{minor - 1}.99" if minor else f"{major - 1}.99.99"
    for other in (f"{major}.{minor + 1}.0", below):
        assert Version(other) not in local["pyspark"], f"pyspark{local['pyspark']} admits {other}"
    assert pins["delta-spark"] in local["delta-spark"]


def test_delta_spark_is_built_for_the_pinned_spark_line() -> None:
    """From Delta 4.1 the jar names its Spark line (delta-spark_4.1_2.13), taken from pyspark's
    version, and delta-spark's own metadata says which pyspark it was built with."""
    pins = _constraints()
    delta, pyspark = pins["delta-spark"], pins["pyspark"]
    if delta < Version("4.1"):
        assert _line(delta) == _line(pyspark), (
            f"delta-spark {delta} is built on Spark {_line(delta)}"
        )
    assert Version(metadata.version("delta-spark")) == delta, "make setup: installed != pinned"
    wanted = [Requirement(text) for text in metadata.requires("delta-spark") or []]
    spark = next(req for req in wanted if _normalized(req.name) == "pyspark")
    assert pyspark in spark.specifier, f"delta-spark {delta} wants pyspark{spark.specifier}"


def test_the_wheel_declares_ranges_and_constraints_pin_them() -> None:
    pins = _constraints()
    groups = [None, *_pyproject()["project"]["optional-dependencies"]]
    for group in groups:
        for requirement in _requirements(group):
            operators = {spec.operator for spec in requirement.specifier}
            assert "==" not in operators, f"{requirement}: a range, not a pin (constraints.txt)"
            assert ">=" in operators, f"{requirement}: a lower bound the tests ran on"
            name = _normalized(requirement.name)
            assert name in pins, f"constraints.txt pins no version of {requirement.name}"
            assert pins[name] in requirement.specifier, f"{name}=={pins[name]} not in {requirement}"


def test_setup_and_ci_install_with_the_constraints() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = [line for line in makefile.splitlines() if "pip install" in line and "-e " in line]
    assert installs
    for line in installs:
        assert "-c constraints.txt" in line, line
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
