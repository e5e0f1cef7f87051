"""What the notebooks call first: their widgets turned into an Application and a task."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from medallion_orchestrator.application import Application
from medallion_orchestrator.errors import ConfigError
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.runtime.databricks_runtime import on_databricks
from medallion_orchestrator.runtime.lakehouse import lakehouse_for
from medallion_orchestrator.tasks import LoadReport

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)


def notebook_application(
    spark: SparkSession,
    environment: str | None = None,
    metadata_table: str | None = None,
    dbutils: Any | None = None,
) -> Application:
    """The notebook's own session; the environment's catalogs; local naming when local. With
    the notebook's `dbutils`, its tasks run through `dbutils.notebook.run` (runners/chain.py)."""
    app = Application(
        environment_name=environment or None, metadata_table_override=metadata_table or None
    ).replace(spark=spark)
    if dbutils is not None:
        app = app.replace(dbutils=dbutils)
    return app.replace(lakehouse=lakehouse_for(spark, app.environment.catalogs))


PROGRESS_LOGGERS = (
    "medallion_orchestrator.execution.cancellation",  # each start
    "medallion_orchestrator.execution.progress",  # each end, with its place: [3/24]
)


def print_progress() -> None:
    """A run's plain progress lines printed in the cell's output as they happen, for a person
    watching it; once per process, however many runs it makes."""
    for name in PROGRESS_LOGGERS:
        progress = logging.getLogger(name)
        if any(isinstance(h.stream, _CellOutput) for h in _stream_handlers(progress)):
            continue
        handler = logging.StreamHandler(_CellOutput())
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        progress.addHandler(handler)
        progress.setLevel(logging.INFO)


class _CellOutput:
    """Standard output as it is when written to: a notebook run may swap it."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def _stream_handlers(target: logging.Logger) -> list[logging.StreamHandler[Any]]:
    return [h for h in target.handlers if isinstance(h, logging.StreamHandler)]


DEFAULT_LAYERS = ("bronze_to_silver", "silver_to_gold")


def required_environment(value: str) -> str | None:
    """The `environment` widget's value. Empty means the configured default (`local`) only off
    Databricks: in a workspace that default would read and write the dev_* tables."""
    if value:
        return value
    if on_databricks():
        raise ConfigError(
            "widget `environment` is empty: on Databricks, name the environment of this "
            "workspace (dev, prod, ... in conf/environments.yml); the default, local, would "
            "read and write the dev_* tables"
        )
    return None


def layer_choices(app: Application) -> tuple[str, list[str]]:
    """The `layer` dropdown: the active layers of the execution table, and a default."""
    layers = app.repository.active_layers() if app.repository.exists() else []
    choices = layers or list(DEFAULT_LAYERS)
    return (DEFAULT_LAYERS[0] if DEFAULT_LAYERS[0] in choices else choices[0]), choices


def full_refresh_of(app: Application, text: str, layers: Sequence[str]) -> list[str]:
    """The `full_refresh_tables` job parameter ("a.b.c,d.e.f") for a run of `layers`: a job runs
    each layer as a task of its own and gives every task the parameter, so a table another
    layer writes is left to that layer's task; any other name is kept, for the run to refuse."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        return []
    elsewhere = {
        row.destination.lower() for row in app.repository.active_rows() if row.layer not in layers
    }
    return [name for name in names if name.lower() not in elsewhere]


def widget(dbutils: Any, name: str, default: str = "") -> str:
    dbutils.widgets.text(name, default)
    return str(dbutils.widgets.get(name))


def task_from_widgets(dbutils: Any) -> TaskRow:
    text = widget(dbutils, "task")
    if not text:
        raise ValueError("widget `task` is empty: this notebook is run by the orchestrator")
    return TaskRow.from_json(text)


def target_as_left(dbutils: Any) -> LoadReport:
    """Where a failed load left its target: the table of the `task` widget and its Delta version
    now, in the notebook's Spark session; the version is None when it cannot be read."""
    task = task_from_widgets(dbutils)
    try:
        from pyspark.sql import SparkSession

        from medallion_orchestrator.loaders.common import latest_version
        from medallion_orchestrator.loaders.spec import LoadSpec

        app = notebook_application(SparkSession.active(), widget(dbutils, "environment"))
        version = latest_version(app.lakehouse, LoadSpec.of(task).target(app.lakehouse))
    except Exception:
        logger.warning("could not read %s's Delta version", task.destination, exc_info=True)
        version = None
    return LoadReport(task.destination, None, version)
