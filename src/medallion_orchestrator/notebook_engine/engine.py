"""Runs notebook files in-process, each in its own thread and SparkSession.

Each run, top-level or child, has a session of its own on the one SparkContext, as Databricks
isolates notebooks' sessions: a child sees neither its caller's temp views nor the settings it
made, and keeps its own from it; tables, the catalog and Delta's caches are shared. `%run`
inlines a notebook into its caller's namespace and session. pyspark's active session in a
notebook is its own (active_session.py).

A notebook's Spark jobs carry a job group, so a timeout cancels them (and its children's).
A notebook stuck in plain Python is interrupted at its next bytecode and abandoned.
Its jobs go to the FAIR scheduler pool of the worker thread that started it (children too), so
concurrent notebooks share the cores instead of queueing behind each other's jobs.

It fails as Databricks does: a child that raises reaches its caller as `WorkflowException` with
Databricks' own text (`WORKLOAD_FAILED`), not the child's error, which is logged instead (the
local "run output"). Paths resolve as on Databricks: relative to the calling notebook, or from
the notebooks folder for a top-level run; no `.py` suffix; `/x` is a workspace path, not local.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import threading
import traceback
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from medallion_orchestrator.notebook_engine.active_session import notebook_session
from medallion_orchestrator.notebook_engine.dbutils import (
    WORKLOAD_FAILED,
    LocalDbutils,
    NotebookExit,
    NotebookTimedOut,
    WorkflowException,
)
from medallion_orchestrator.notebook_engine.notebook_source import read_notebook

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

logger = logging.getLogger(__name__)
_run_ids = itertools.count(1)
SCHEDULER_POOL = "spark.scheduler.pool"


class NotebookFailed(WorkflowException):
    """A top-level run that failed: Databricks' text, and the run output (as the Jobs API's
    `error_trace`) in `details`. A parent notebook never sees this, only WorkflowException."""

    def __init__(self, details: str) -> None:
        super().__init__(WORKLOAD_FAILED)
        self.details = details


@dataclass
class _Run:
    notebook: str
    job_group: str
    pool: str
    children: list[_Run] = field(default_factory=list)
    value: str | None = None
    error: BaseException | None = None
    details: str = ""
    thread: threading.Thread | None = None
    stopped: bool = False  # cancelled or timed out: ending without an exit value is no success

    def all_job_groups(self) -> list[str]:
        return [self.job_group] + [
            group for child in self.children for group in child.all_job_groups()
        ]


_current = threading.local()


class LocalNotebookEngine:
    def __init__(self, spark: SparkSession, notebooks_dir: Path, lakehouse: Lakehouse) -> None:
        self.spark = spark
        self.notebooks_dir = notebooks_dir.resolve()
        self.lakehouse = lakehouse
        self._running: dict[int, _Run] = {}  # top-level runs, for cancel_running
        self._interrupted: weakref.WeakSet[threading.Thread] = weakref.WeakSet()

    def run(
        self,
        path: str,
        arguments: Mapping[str, str],
        timeout_seconds: int,
        calling_notebook: str | None = None,
    ) -> str | None:
        """Like dbutils.notebook.run: the exit value, or WorkflowException/NotebookTimedOut."""
        notebook = self.resolve(path, calling_notebook)
        parent: _Run | None = getattr(_current, "run", None)
        pool = parent.pool if parent else f"pool-{threading.current_thread().name}"
        run = _Run(notebook, f"medallion-notebook-{next(_run_ids)}", pool)
        if parent is not None:
            parent.children.append(run)
        run.thread = threading.Thread(
            target=self._execute, args=(run, dict(arguments)), name=run.job_group, daemon=True
        )
        if parent is None:
            self._running[id(run)] = run
        try:
            run.thread.start()
            run.thread.join(timeout_seconds or None)
        finally:
            self._running.pop(id(run), None)
        if run.thread.is_alive():
            self._stop(run)
            raise NotebookTimedOut(f"notebook {notebook} timed out after {timeout_seconds} seconds")
        if run.stopped and run.error is None and run.value is None:
            run.error = NotebookTimedOut(f"notebook {notebook} was stopped")
            run.details = str(run.error)
        if run.error is not None:
            logger.warning("notebook %s failed; its run output:\n%s", notebook, run.details)
            raise (
                NotebookFailed(run.details)
                if parent is None
                else WorkflowException(WORKLOAD_FAILED)
            )
        return run.value

    def resolve(self, path: str, calling_notebook: str | None = None) -> str:
        """A notebook path as Databricks takes it: relative to the caller (the notebooks folder
        for a top-level run); `/x` is a workspace path, which is not here."""
        if path.startswith("/"):
            raise WorkflowException(
                f"Notebook not found: {path} (a workspace path; locally, notebooks are reached "
                "by a path relative to the calling notebook)"
            )
        base = PurePosixPath(calling_notebook).parent if calling_notebook else PurePosixPath()
        resolved = (self.notebooks_dir / (base / path).as_posix()).resolve()
        if not resolved.is_relative_to(self.notebooks_dir):
            raise WorkflowException(f"Notebook not found: {path} (it leaves {self.notebooks_dir})")
        relative = resolved.relative_to(self.notebooks_dir).as_posix()
        if not (self.notebooks_dir / f"{relative}.py").is_file():
            raise WorkflowException(
                f"Notebook not found: {path} (no notebook {relative} under {self.notebooks_dir})"
            )
        return relative

    def _execute(self, run: _Run, arguments: dict[str, str]) -> None:
        _current.run = run
        context = self.spark.sparkContext
        context.setJobGroup(run.job_group, f"notebook {run.notebook}", interruptOnCancel=True)
        context.setLocalProperty(SCHEDULER_POOL, run.pool)
        try:
            if run.stopped:  # stopped before its thread started
                raise NotebookTimedOut(f"notebook {run.notebook} was stopped")
            session = self.spark.newSession()
            namespace = self._namespace(run, session, arguments)
            with notebook_session(session):
                self._run_cells(run.notebook, namespace, self._lakehouse(session))
        except NotebookExit as exit_:
            run.value = exit_.value
        except BaseException as error:
            run.error = error
            run.details = "".join(traceback.format_exception(error))
        finally:
            context.setLocalProperty("spark.jobGroup.id", None)
            context.setLocalProperty(SCHEDULER_POOL, None)
            _current.run = None

    def _lakehouse(self, session: SparkSession) -> Lakehouse:
        from medallion_orchestrator.runtime.lakehouse import lakehouse_for

        return lakehouse_for(session, self.lakehouse.catalogs)

    def _run_cells(self, notebook: str, namespace: dict[str, Any], lakehouse: Lakehouse) -> None:
        for cell in read_notebook(self.notebooks_dir / f"{notebook}.py"):
            if cell.kind == "python":
                code = compile(cell.source, f"{notebook} [cell {cell.number}]", "exec")
                exec(code, namespace)
            elif cell.kind == "sql":
                namespace["_sqldf"] = lakehouse.sql(cell.source)
            elif cell.kind == "run":
                self._run_cells(self.resolve(cell.source, notebook), namespace, lakehouse)

    def _namespace(
        self, run: _Run, session: SparkSession, arguments: dict[str, str]
    ) -> dict[str, Any]:
        def run_child(
            path: str, timeout_seconds: int, child_arguments: Mapping[str, str]
        ) -> str | None:
            return self.run(path, child_arguments, timeout_seconds, calling_notebook=run.notebook)

        return {
            "__name__": "__main__",
            "spark": session,
            "sc": session.sparkContext,
            "dbutils": LocalDbutils(arguments, run_child),
            "display": _display,
            "displayHTML": print,
        }

    def cancel_running(self) -> int:
        """Cancel every running notebook's Spark jobs (and its children's) and interrupt its
        threads once; safe to call again while they wind down. How many are still running."""
        running = list(self._running.values())
        for run in running:
            self._stop(run)
        return len(running)

    def _stop(self, run: _Run) -> None:
        # Threads first: the exception is then pending when a cancelled job returns to Python,
        # and is raised before any handler of the job's own error runs.
        run.stopped = True
        self._interrupt_threads(run)
        for group in run.all_job_groups():
            self.spark.sparkContext.cancelJobGroup(group)

    def _interrupt_threads(self, run: _Run) -> None:
        for thread in _threads(run):
            if thread.is_alive() and thread.ident is not None:
                if thread in self._interrupted:
                    continue  # once: a second exception could land in its clean-up
                self._interrupted.add(thread)
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(thread.ident), ctypes.py_object(NotebookTimedOut)
                )


def _threads(run: _Run) -> list[threading.Thread]:
    own = [run.thread] if run.thread is not None else []
    return own + [thread for child in run.children for thread in _threads(child)]


def _display(value: Any) -> None:
    show = getattr(value, "show", None)
    if callable(show):
        show(truncate=False)
    else:
        print(value)
