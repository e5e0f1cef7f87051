"""Two runs' timelines compared: tasks slower or faster beyond the noise, new failures, makespan.

A task's seconds are its span (first attempt's start to last attempt's end), so a retry makes
it slower. A change is beyond the noise when it is both more than `noise_seconds` and more than
`noise_ratio` of the previous run's seconds: small tasks jitter by a second or so whatever
their size, and large ones by a share of it. A new failure is a task whose last attempt did not
succeed now but did in the previous run, or that the previous run did not have.
"""

from __future__ import annotations

from dataclasses import dataclass

from medallion_orchestrator.history.timeline import SUCCESS, Timeline

NOISE_SECONDS = 1.0
NOISE_RATIO = 0.2


@dataclass(frozen=True)
class TaskChange:
    task: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def ratio(self) -> float | None:
        return self.delta / self.before if self.before > 0 else None


@dataclass(frozen=True)
class Failure:
    task: str
    status: str
    before: str | None  # the previous run's last status; None: not in that run


@dataclass(frozen=True)
class RunComparison:
    run_id: str
    previous_run_id: str
    makespan_before: float
    makespan_after: float
    slower: tuple[TaskChange, ...]
    faster: tuple[TaskChange, ...]
    new_failures: tuple[Failure, ...]

    @property
    def makespan_delta(self) -> float:
        return self.makespan_after - self.makespan_before


def compare_runs(
    current: Timeline,
    previous: Timeline,
    noise_seconds: float = NOISE_SECONDS,
    noise_ratio: float = NOISE_RATIO,
) -> RunComparison:
    now, before = current.task_seconds(), previous.task_seconds()
    changes = [TaskChange(task, before[task], now[task]) for task in now if task in before]
    beyond = [
        change
        for change in changes
        if abs(change.delta) > noise_seconds and abs(change.delta) > noise_ratio * change.before
    ]
    status_now, status_before = current.final_status(), previous.final_status()
    failures = tuple(
        Failure(task, status, status_before.get(task))
        for task, status in sorted(status_now.items())
        if status != SUCCESS and status_before.get(task, SUCCESS) == SUCCESS
    )
    return RunComparison(
        run_id=current.run_id,
        previous_run_id=previous.run_id,
        makespan_before=previous.makespan,
        makespan_after=current.makespan,
        slower=tuple(sorted((c for c in beyond if c.delta > 0), key=lambda c: -c.delta)),
        faster=tuple(sorted((c for c in beyond if c.delta < 0), key=lambda c: c.delta)),
        new_failures=failures,
    )
