"""`medallion runs RUN_ID --timeline` on a real run of a tiny layer, opened in headless Chromium:
the page renders with no console error, with one bar per task attempt that started."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from browser_support import TEST_OUTPUT, chromium, opened
from cli_support import Completed, in_process

pytestmark = pytest.mark.spark

SCHEMA = "timeline_crm"  # no other test's
METADATA = f"dev_silver.{SCHEMA}_meta.execution_table"
LAYER = "timeline_layer"


def medallion(home: Path, *args: str) -> Completed:
    return in_process(home, *args, "--metadata-table", METADATA)


def rows_file(folder: Path) -> Path:
    """Four tasks in two batches; `ghosts` fails for want of its source."""
    tasks = [
        ("accounts", 1, "scd1", "accounts"),
        ("ghosts", 1, "scd1", "no_such_table"),
        ("deals", 2, "fact_overwrite", "deals"),
        ("deals_again", 2, "fact_overwrite", "deals"),
    ]
    rows = [
        {
            "src_system": "crm",
            "src_catalog": "dev_bronze",
            "src_schema": SCHEMA,
            "src_table_name": source,
            "load_type": "full",
            "dst_catalog": "dev_silver",
            "dst_schema": SCHEMA,
            "dst_table_name": table,
            "layer": LAYER,
            "is_active_flag": True,
            "execution_order": order,
            "execution_pipeline": pipeline,
            "business_key_columns": ["id"],
        }
        for table, order, pipeline, source in tasks
    ]
    path = folder / "rows.yml"
    path.write_text(json.dumps({"rows": rows}))  # JSON is YAML
    return path


@pytest.fixture(scope="module")
def two_runs(  # type: ignore[no-untyped-def]
    spark, lakehouse_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, str]:
    """Two runs of the layer, each going on past its failure."""
    home = lakehouse_home
    bronze = medallion(
        home,
        "sql",
        f"CREATE SCHEMA IF NOT EXISTS dev_bronze.{SCHEMA};"
        f"CREATE TABLE dev_bronze.{SCHEMA}.accounts USING DELTA AS "
        "SELECT * FROM VALUES (1, 'acme'), (2, 'globex') AS t(id, name);"
        f"CREATE TABLE dev_bronze.{SCHEMA}.deals USING DELTA AS "
        "SELECT * FROM VALUES (100, 5) AS t(id, amount);",
    )
    assert bronze.returncode == 0, bronze.stderr
    loaded = medallion(home, "metadata", "load", str(rows_file(tmp_path_factory.mktemp("rows"))))
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    run_ids = []
    for _ in range(2):
        run = medallion(home, "run", "--layer", LAYER, "--continue-on-failure")
        assert run.returncode == 1, run.stdout + run.stderr
        run_ids.append(re.search(r"Run (\S+)", run.stdout).group(1))  # type: ignore[union-attr]
    return home, run_ids[0], run_ids[1]


def started_attempts(home: Path, run_id: str) -> int:
    counted = medallion(
        home,
        "sql",
        f"SELECT count(*) AS n FROM dev_silver.{SCHEMA}_meta.task_run_log "
        f"WHERE run_id = '{run_id}' AND started_at IS NOT NULL",
        "--format",
        "csv",
    )
    return int(counted.stdout.splitlines()[1])


def hover_text(page: Any, trace: int) -> str:
    """The hover label of a trace's (a status's) first bar, as plotly's own hover draws it
    (Plotly.Fx.hover: a bar of 0.0 s is too thin to point a mouse at)."""
    task = page.evaluate(
        "trace => { const plot = document.querySelector('.js-plotly-plot');"
        " Plotly.Fx.hover(plot, [{curveNumber: trace, pointNumber: 0}]);"
        " return plot.data[trace].customdata[0][0]; }",
        trace,
    )
    label = page.wait_for_function(
        "task => [...document.querySelectorAll('.hoverlayer .hovertext')]"
        ".find(label => label.textContent.includes(task))",
        arg=task,
    )
    return " ".join(label.evaluate("label => label.textContent").split())


@pytest.fixture(scope="module")
def browser() -> str:
    """Chromium's path; asked first, so a machine without it skips before any run."""
    return chromium()


def test_the_timeline_renders_in_chromium_with_a_bar_per_attempt(
    browser: str, two_runs: tuple[Path, str, str], tmp_path: Path
) -> None:
    home, previous, current = two_runs
    page_file = tmp_path / "run.html"
    shown = medallion(home, "runs", current, "--timeline", str(page_file), "--compare", previous)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"timeline of run {current} written to {page_file}" in shown.stdout
    assert f"{current} against {previous}: makespan" in shown.stdout
    attempts = started_attempts(home, current)
    assert attempts == 4  # every task ran: --continue-on-failure

    with opened(page_file) as opened_page:
        page = opened_page.page
        page.wait_for_selector(".barlayer .point")
        drawn = page.locator(".barlayer .point").count()
        in_data = page.evaluate(
            "() => document.querySelector('.js-plotly-plot').data"
            ".filter(trace => trace.type === 'bar').reduce((n, trace) => n + trace.x.length, 0)"
        )
        legend = page.locator(".legendtext").all_text_contents()
        hovered = {name: hover_text(page, index) for index, name in enumerate(sorted(legend))}
        TEST_OUTPUT.mkdir(exist_ok=True)
        screenshot = TEST_OUTPUT / "timeline.png"
        page.screenshot(path=str(screenshot), full_page=True)
        page.screenshot(path=str(tmp_path / "timeline.png"), full_page=True)
        assert opened_page.errors == []
    assert (drawn, in_data) == (attempts, attempts)
    assert sorted(legend) == ["FAILED", "SUCCESS"]
    assert "ghosts" in hovered["FAILED"]
    assert "error: " in hovered["FAILED"]
    assert "no_such_table does not exist" in hovered["FAILED"]
    assert re.search(r"rows written: \d+", hovered["SUCCESS"]), hovered["SUCCESS"]
    assert screenshot.stat().st_size > 10_000


def test_the_timeline_as_svg_for_reports(
    browser: str, two_runs: tuple[Path, str, str], tmp_path: Path
) -> None:
    """kaleido draws it in the same Chromium."""
    home, _, current = two_runs
    picture = tmp_path / "run.svg"
    shown = medallion(home, "runs", current, "--timeline", str(picture))
    assert shown.returncode == 0, shown.stdout + shown.stderr
    text = picture.read_text()
    assert text.startswith("<svg")
    assert "ghosts" in text


def test_timeline_without_a_run_id_is_refused(two_runs: tuple[Path, str, str]) -> None:
    home, _, _ = two_runs
    refused = medallion(home, "runs", "--timeline", "x.html")
    assert refused.returncode == 2
    assert "--timeline and --compare are about one run: give its RUN_ID" in refused.stderr
