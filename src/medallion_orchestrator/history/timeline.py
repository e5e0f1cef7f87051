"""A run's timeline as plain data: bars on worker lanes, batch waits, critical path, lower bound.

Built from one run's `task_run_log` rows. The history does not record which worker ran an
attempt, so lanes are assigned from the intervals (greedy interval colouring: an attempt takes
the lowest lane free at its start), which uses as many lanes as the run had attempts running at
once, never more than its max_workers. The lower bound divides the work by the run's max_workers
as run_log records it (by the lanes used for a run recorded before it did). Nor does it record
the dependencies: they come from the attempts' execution_order
(each task waits for the nearest lower execution_order present, as `graph.dependencies`), or
from `depends_on` lists the caller reads from the layer's metadata rows as they are now, which
may have changed since the run. Attempts that never started (SKIPPED) have no bar.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from medallion_orchestrator.graph import dependencies
from medallion_orchestrator.tasks import NotebookTask, TaskStatus

SUCCESS = TaskStatus.SUCCESS.value
TIMED_OUT = TaskStatus.TIMED_OUT.value


@dataclass(frozen=True)
class Attempt:
    """One `task_run_log` row: what the timeline reads of it."""

    task: str
    attempt: int
    status: str
    execution_order: int
    started_at: datetime | None
    ended_at: datetime | None
    rows_written: int | None = None
    error: str | None = None

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> Attempt:
        return cls(
            task=row["task"],
            attempt=int(row.get("attempt") or 0),
            status=row["status"],
            execution_order=int(row.get("execution_order") or 0),
            started_at=row.get("started_at"),
            ended_at=row.get("ended_at"),
            rows_written=row.get("rows_written"),
            error=row.get("error"),
        )

    @property
    def ran(self) -> bool:
        return self.started_at is not None and self.ended_at is not None


@dataclass(frozen=True)
class Bar:
    """One attempt, in seconds from the run's start, on its lane."""

    task: str
    attempt: int
    status: str
    execution_order: int
    lane: int
    start: float
    end: float
    rows_written: int | None
    error: str | None
    retried: bool  # another attempt of the task followed this one
    critical: bool

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def timed_out(self) -> bool:
        return self.status == TIMED_OUT


@dataclass(frozen=True)
class Wait:
    """Time between two batches when no attempt ran: the orchestrator moving on."""

    after_order: int
    start: float
    end: float


@dataclass(frozen=True)
class Timeline:
    run_id: str
    bars: tuple[Bar, ...]
    waits: tuple[Wait, ...]
    critical_path: tuple[str, ...]
    critical_seconds: float
    work_seconds: float
    lanes: int
    first_start: float  # seconds from the run's start to its first attempt's
    makespan: float  # the first attempt's start to the last one's end
    workers: int | None = None  # the run's max_workers; None: not recorded

    @property
    def lower_bound(self) -> float:
        """No schedule on these workers could end sooner: max(critical path, work / workers)."""
        return max(self.critical_seconds, self.work_seconds / max(self.workers or self.lanes, 1))

    def task_seconds(self) -> dict[str, float]:
        """Each task's span: its first attempt's start to its last attempt's end."""
        return task_seconds((bar.task, bar.start, bar.end) for bar in self.bars)

    def final_status(self) -> dict[str, str]:
        last: dict[str, Bar] = {}
        for bar in self.bars:
            if bar.task not in last or bar.attempt >= last[bar.task].attempt:
                last[bar.task] = bar
        return {task: bar.status for task, bar in last.items()}


def build_timeline(
    run_id: str,
    attempts: Sequence[Attempt],
    depends_on: Mapping[str, Sequence[str] | None] | None = None,
    run_started_at: datetime | None = None,
    workers: int | None = None,
) -> Timeline:
    ran = sorted((a for a in attempts if a.ran), key=lambda a: (a.started_at, a.task, a.attempt))
    if not ran:
        return Timeline(run_id, (), (), (), 0.0, 0.0, 0, 0.0, 0.0, workers)
    first = ran[0].started_at
    assert first is not None
    origin = min(first, run_started_at) if run_started_at else first
    intervals = [(_seconds(a.started_at, origin), _seconds(a.ended_at, origin)) for a in ran]
    lanes = assign_lanes(intervals)
    seconds = task_seconds((a.task, *interval) for a, interval in zip(ran, intervals, strict=True))
    path, critical_seconds = critical_path(seconds, task_upstream(ran, depends_on or {}))
    last_attempt = {a.task: max(b.attempt for b in ran if b.task == a.task) for a in ran}
    on_path = set(path)
    bars = tuple(
        Bar(
            task=a.task,
            attempt=a.attempt,
            status=a.status,
            execution_order=a.execution_order,
            lane=lane,
            start=start,
            end=end,
            rows_written=a.rows_written,
            error=a.error,
            retried=a.attempt < last_attempt[a.task],
            critical=a.task in on_path,
        )
        for a, lane, (start, end) in zip(ran, lanes, intervals, strict=True)
    )
    return Timeline(
        run_id=run_id,
        bars=bars,
        waits=batch_waits(bars),
        critical_path=path,
        critical_seconds=critical_seconds,
        work_seconds=sum(end - start for start, end in intervals),
        lanes=max(lanes) + 1,
        first_start=intervals[0][0],
        makespan=max(end for _, end in intervals) - intervals[0][0],
        workers=workers,
    )


def assign_lanes(intervals: Sequence[tuple[float, float]]) -> list[int]:
    """A lane per interval, the lowest free at its start: as many lanes as intervals overlap at
    most. An interval ending when another starts frees its lane for it; ties keep the order
    given."""
    lane_ends: list[float] = []
    lanes = [0] * len(intervals)
    for index in sorted(range(len(intervals)), key=lambda i: intervals[i][0]):
        start, end = intervals[index]
        free = next((lane for lane, busy in enumerate(lane_ends) if busy <= start), None)
        if free is None:
            free = len(lane_ends)
            lane_ends.append(end)
        lane_ends[free] = end
        lanes[index] = free
    return lanes


def critical_path(
    seconds: Mapping[str, float], upstream: Mapping[str, frozenset[str]]
) -> tuple[tuple[str, ...], float]:
    """The chain of waiting tasks with the most seconds, first task first, and its length."""
    best: dict[str, tuple[float, str | None]] = {}

    def length(task: str) -> float:
        if task not in best:
            before = [
                (length(name), name) for name in sorted(upstream.get(task, ())) if name in seconds
            ]
            longest = max(before, default=(0.0, None))
            best[task] = (longest[0] + seconds[task], longest[1])
        return best[task][0]

    if not seconds:
        return (), 0.0
    end = max(sorted(seconds), key=length)
    path: list[str] = []
    current: str | None = end
    while current is not None:
        path.append(current)
        current = best[current][1]
    return tuple(reversed(path)), best[end][0]


def task_upstream(
    attempts: Sequence[Attempt], depends_on: Mapping[str, Sequence[str] | None]
) -> dict[str, frozenset[str]]:
    """What each task of the run waited for, among the run's tasks (see the module docstring)."""
    orders = {a.task: a.execution_order for a in attempts}
    nodes = [
        NotebookTask(
            key=task,
            notebook="",
            execution_order=order,
            timeout_seconds=0,
            depends_on=None if depends_on.get(task) is None else tuple(depends_on[task] or ()),
        )
        for task, order in orders.items()
    ]
    return {task: names & orders.keys() for task, names in dependencies(nodes).items()}


def batch_waits(bars: Sequence[Bar]) -> tuple[Wait, ...]:
    """The gaps between one execution_order's last end and the next one's first start."""
    windows: dict[int, tuple[float, float]] = {}
    for bar in bars:
        start, end = windows.get(bar.execution_order, (bar.start, bar.end))
        windows[bar.execution_order] = (min(start, bar.start), max(end, bar.end))
    ordered = sorted(windows.items())
    return tuple(
        Wait(order, end, next_start)
        for (order, (_, end)), (_, (next_start, _)) in pairwise(ordered)
        if next_start > end
    )


def task_seconds(intervals: Iterable[tuple[str, float, float]]) -> dict[str, float]:
    """Each task's span, retries and backoff included: first start to last end."""
    times: dict[str, list[float]] = defaultdict(list)
    for task, start, end in intervals:
        times[task] += [start, end]
    return {task: max(moments) - min(moments) for task, moments in times.items()}


def _seconds(moment: datetime | None, origin: datetime) -> float:
    assert moment is not None
    return (moment - origin).total_seconds()
