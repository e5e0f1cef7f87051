"""The end-of-run summary text."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fakes import ScriptedRunner
from medallion_orchestrator.execution.executor import BatchExecutor
from medallion_orchestrator.execution.results import RunResult, TaskResult, TaskStatus
from medallion_orchestrator.execution.summary import render_summary
from medallion_orchestrator.planning import Batch, NotebookTask, Plan
from medallion_orchestrator.tasks import LoadReport

T0 = datetime(2024, 5, 1, 6, 0, tzinfo=timezone.utc)
TRACE = (
    "Traceback (most recent call last):\n"
    '  File "loader.py", line 12, in load\n'
    "    merge(target, source)\n"
    "AnalysisException: [UNRESOLVED_COLUMN] customer_id\n"
)
SKIP_REASON = "not started: batch 1 (execution_order 1) had 2 task(s) not succeed: b, c"


def result(
    key: str,
    status: TaskStatus,
    message: str = "",
    *,
    error: str | None = None,
    order: int = 1,
    seconds: float = 1.0,
    rows: int | None = None,
) -> TaskResult:
    return TaskResult(
        key=key,
        notebook=f"silver/{key.rsplit('.', maxsplit=1)[-1]}_loader",
        execution_order=order,
        status=status,
        message=message,
        started_at=T0,
        ended_at=T0 + timedelta(seconds=seconds),
        duration_seconds=seconds,
        error=error,
        load=None if rows is None else LoadReport(key, rows),
    )


def run_of(*results: TaskResult, seconds: float = 12.0) -> RunResult:
    return RunResult("r-42", "bronze_to_silver", T0, T0 + timedelta(seconds=seconds), results)


FAILED_RUN = run_of(
    result("dev_silver.shop.a", TaskStatus.SUCCESS, "merged", seconds=2.25, rows=1200),
    result("dev_silver.shop.b", TaskStatus.FAILED, "AnalysisException: customer_id", error=TRACE),
    result("dev_silver.shop.c", TaskStatus.TIMED_OUT, "timed out after 60s", seconds=60),
    result("dev_silver.shop.d", TaskStatus.SKIPPED, SKIP_REASON, order=2, seconds=0),
)


def test_the_header_and_counts_lines() -> None:
    lines = render_summary(FAILED_RUN).splitlines()

    assert lines[0] == "Run r-42  layer bronze_to_silver  4 task(s)  12.0s"
    assert (
        lines[1]
        == "total 4  succeeded 1  up to date 0  failed 1  timed out 1  skipped 1  cancelled 0"
    )


def test_every_status_is_counted_so_the_parts_add_up_to_the_total() -> None:
    run = run_of(
        *FAILED_RUN.results,
        result("dev_silver.shop.e", TaskStatus.CANCELLED, "cancelled: the run was stopped"),
    )

    words = render_summary(run).splitlines()[1].split("  ")
    counts = {word.rsplit(" ", 1)[0]: int(word.rsplit(" ", 1)[1]) for word in words}

    assert counts.pop("total") == 5 == sum(counts.values())
    assert counts["cancelled"] == 1


def test_one_line_per_task() -> None:
    lines = render_summary(FAILED_RUN).splitlines()

    assert lines[3].split() == ["status", "order", "seconds", "rows", "task"]
    assert [line.split() for line in lines[4:8]] == [
        ["SUCCESS", "1", "2.2", "1200", "dev_silver.shop.a"],
        ["FAILED", "1", "1.0", "dev_silver.shop.b"],
        ["TIMED_OUT", "1", "60.0", "dev_silver.shop.c"],
        ["SKIPPED", "2", "0.0", "dev_silver.shop.d"],
    ]


def test_each_failure_with_its_full_error_text() -> None:
    text = render_summary(FAILED_RUN)

    expected_failure = "\n".join(
        [
            "FAILED dev_silver.shop.b (silver/b_loader): AnalysisException: customer_id",
            "    Traceback (most recent call last):",
            '      File "loader.py", line 12, in load',
            "        merge(target, source)",
            "    AnalysisException: [UNRESOLVED_COLUMN] customer_id",
        ]
    )
    assert f"\n\n{expected_failure}\n\n" in text
    assert "\n\nTIMED_OUT dev_silver.shop.c (silver/c_loader): timed out after 60s\n\n" in text


def test_skipped_tasks_get_one_line_with_the_reason_and_no_failure_block() -> None:
    text = render_summary(FAILED_RUN)

    assert f"\n\nSKIPPED 1 task(s): {SKIP_REASON}\n\n" in text
    assert "SKIPPED dev_silver.shop.d (" not in text


def test_the_last_line_is_the_result() -> None:
    assert render_summary(FAILED_RUN).splitlines()[-1] == "RESULT: FAILED"


def test_a_successful_run() -> None:
    text = render_summary(run_of(result("dev_silver.shop.a", TaskStatus.SUCCESS, "merged")))

    assert text.splitlines()[1] == (
        "total 1  succeeded 1  up to date 0  failed 0  timed out 0  skipped 0  cancelled 0"
    )
    assert text.splitlines()[-1] == "RESULT: SUCCESS"
    assert "FAILED" not in text
    assert "SKIPPED" not in text


def test_the_summary_of_a_real_run_shows_the_traceback_of_the_exception() -> None:
    plan = Plan(
        "silver_to_gold",
        (
            Batch(1, (NotebookTask("dev_gold.mart.sales", "gold/nb", 1, 60),)),
            Batch(2, (NotebookTask("dev_gold.mart.kpis", "gold/nb", 2, 60),)),
        ),
    )
    runner = ScriptedRunner({"dev_gold.mart.sales": KeyError("region")})

    text = render_summary(BatchExecutor(runner).execute(plan, run_id="r1"))

    assert "FAILED dev_gold.mart.sales (gold/nb): KeyError: 'region'" in text
    assert "    Traceback (most recent call last):" in text
    assert "    KeyError: 'region'" in text
    assert "SKIPPED 1 task(s): not started: batch 1 (execution_order 1)" in text
    assert text.endswith("RESULT: FAILED")


def test_skips_for_different_upstream_failures_list_each_reason_with_its_count() -> None:
    first = "not started: upstream dev_silver.shop.b did not succeed (FAILED)"
    second = "not started: upstream dev_silver.shop.c did not succeed (TIMED_OUT)"
    run = run_of(
        result("dev_silver.shop.d", TaskStatus.SKIPPED, first, order=2, seconds=0),
        result("dev_silver.shop.e", TaskStatus.SKIPPED, second, order=2, seconds=0),
        result("dev_silver.shop.f", TaskStatus.SKIPPED, first, order=3, seconds=0),
    )

    text = render_summary(run)

    assert f"\n\nSKIPPED 3 task(s):\n  2 {first}\n  1 {second}\n\nRESULT: FAILED" in text
