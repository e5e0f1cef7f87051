"""The end-of-run summary: counts, every task, and each failure with its full error."""

from __future__ import annotations

from collections import Counter

from medallion_orchestrator.execution.results import RunResult, TaskResult, TaskStatus


def render_summary(run: RunResult) -> str:
    counts = run.counts
    lines = [
        f"Run {run.run_id}  layer {run.layer}  {len(run.results)} task(s)  "
        f"{run.duration_seconds:.1f}s",
        "  ".join(  # every status, so the parts add up to the total
            [f"total {len(run.results)}", f"succeeded {counts[TaskStatus.SUCCESS]}"]
            + [
                f"{status.value.lower().replace('_', ' ')} {counts[status]}"
                for status in TaskStatus
                if status is not TaskStatus.SUCCESS
            ]
        ),
        "",
        f"{'status':<10}{'order':>5}  {'seconds':>8}  {'rows':>9}  task",
    ]
    for result in run.results:
        rows = result.rows_written
        lines.append(
            f"{result.status.value:<10}{result.execution_order:>5}  "
            f"{result.duration_seconds:>8.1f}  {'' if rows is None else rows:>9}  {result.key}"
        )
    built = [(result.key, result.build["reason"]) for result in run.results if _rebuilt(result)]
    if built:
        lines += ["", "BUILT (why each gold table was built):"]
        lines += [f"  {key}: {reason}" for key, reason in built]
    for result in run.not_succeeded:
        if result.status is TaskStatus.SKIPPED:
            continue
        lines += ["", f"{result.status.value} {result.key} ({result.notebook}): {result.message}"]
        if result.error:
            lines += [f"    {line}" for line in result.error.rstrip().splitlines()]
    skipped = [result for result in run.not_succeeded if result.status is TaskStatus.SKIPPED]
    reasons = Counter(result.message for result in skipped)
    if len(reasons) == 1:
        lines += ["", f"SKIPPED {len(skipped)} task(s): {skipped[0].message}"]
    elif reasons:
        lines += ["", f"SKIPPED {len(skipped)} task(s):"]
        lines += [f"  {count} {reason}" for reason, count in reasons.items()]
    lines += ["", "RESULT: " + ("SUCCESS" if run.succeeded else "FAILED")]
    return "\n".join(lines)


def _rebuilt(result: TaskResult) -> bool:
    return result.status is TaskStatus.SUCCESS and bool(result.build and result.build.get("reason"))
