"""docs/databricks.md's "From a laptop: the Jobs API runner", its `medallion` lines as written,
one process each, from the project: the demo's rows loaded into the local execution table, then the
bronze_to_silver layer run as one-time Databricks runs in a fake workspace reached only through the
`dev` profile of a config file of the test's own. Each active row is one runs/submit of its loader
notebook as the dev bundle deploys it under the caller's home folder; each run's exit value is read
back into the summary; the token is never printed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_support import ROOT, medallion
from e2e.readme_support import quiet, readme_commands
from fake_databricks import FakeDatabricks, Scenario
from medallion_orchestrator.metadata.files import read_rows
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.project import ProjectLayout, load_pipelines

pytestmark = pytest.mark.spark

TITLE = "From a laptop: the Jobs API runner"
TOKEN = "dapi-laptop-0123456789abcdef"
BUNDLE = ".bundle/medallion_orchestrator/dev/files/notebooks"  # conf/databricks.yml's dev target
ROWS_WRITTEN = 7
EXIT_VALUE = json.dumps(
    {
        "contract": 1,
        "status": "SUCCESS",
        "message": "loaded",
        "transient": False,
        "target": None,
        "rows_written": ROWS_WRITTEN,
        "target_version": 1,
    }
)
PIPELINES = load_pipelines(ProjectLayout(ROOT))
ROWS = [
    row
    for row in read_rows(ROOT / "metadata" / "demo")
    if row.layer == "bronze_to_silver" and row.is_active_flag
]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDatabricks]:
    """The fake workspace, the only one the child processes can reach: through a `dev` profile."""
    for name in list(os.environ):
        if name.startswith(("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_", "MEDALLION_")):
            monkeypatch.delenv(name)
    fake = FakeDatabricks(TOKEN).start()
    config = tmp_path / "databrickscfg"
    config.write_text(f"[dev]\nhost = {fake.url}\ntoken = {TOKEN}\n")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(config))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    for notebook in {loader(row) for row in ROWS}:
        fake.scenario(notebook_path(fake, notebook), Scenario(exit_value=EXIT_VALUE, polls=1))
    yield fake
    fake.stop()


def notebook_path(fake: FakeDatabricks, notebook: str) -> str:
    return f"/Workspace/Users/{fake.user_name}/{BUNDLE}/{notebook}"


def loader(row: TaskRow) -> str:
    return PIPELINES[row.execution_pipeline].notebook


def submitted(fake: FakeDatabricks) -> list[tuple[str, str]]:
    """(destination table, notebook path) of each runs/submit."""
    pairs = []
    for call in fake.calls("runs/submit"):
        notebook = call.body["tasks"][0]["notebook_task"]
        row = json.loads(notebook["base_parameters"]["task"])
        destination = f"{row['dst_catalog']}.{row['dst_schema']}.{row['dst_table_name']}"
        pairs.append((destination, notebook["notebook_path"]))
    return pairs


def test_the_readme_runs_bronze_to_silver_as_databricks_jobs(
    workspace: FakeDatabricks, tmp_path: Path
) -> None:
    load, run = readme_commands(TITLE, "docs/databricks.md")
    assert load[:2] == ["metadata", "load"] and run[0] == "run", (load, run)
    home = tmp_path / ".medallion"

    loaded = medallion(home, *load, cwd=ROOT, warm_up=True)
    ran = medallion(home, *run, cwd=ROOT)

    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert ran.returncode == 0, ran.stdout + ran.stderr
    tasks = len(ROWS)
    assert f"total {tasks}  succeeded {tasks}  up to date 0  failed 0  " in ran.stdout, ran.stdout
    assert "RESULT: SUCCESS" in ran.stdout
    loads = re.findall(rf"^SUCCESS\s+\d+\s+[\d.]+\s+{ROWS_WRITTEN}\s+\S", ran.stdout, re.MULTILINE)
    assert len(loads) == tasks, ran.stdout
    expected = [(row.destination, notebook_path(workspace, loader(row))) for row in ROWS]
    assert sorted(submitted(workspace)) == sorted(expected)
    api = [call for call in workspace.requests if call.path.startswith("/api/")]
    assert all(call.authorized and call.status == 200 for call in api), api
    for result in (loaded, ran):
        assert TOKEN not in result.stdout + result.stderr
        quiet(result)
