"""What the notebooks call first: their widgets turned into an Application and a task."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from medallion_orchestrator.application import Application
from medallion_orchestrator.metadata.model import TaskRow
from medallion_orchestrator.runtime.lakehouse import lakehouse_for

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def notebook_application(
    spark: SparkSession, environment: str | None = None, metadata_table: str | None = None
) -> Application:
    """The notebook's own session; the environment's catalogs; local naming when local."""
    app = Application(
        environment_name=environment or None, metadata_table_override=metadata_table or None
    ).replace(spark=spark)
    return app.replace(lakehouse=lakehouse_for(spark, app.environment.catalogs))


def widget(dbutils: Any, name: str, default: str = "") -> str:
    dbutils.widgets.text(name, default)
    return str(dbutils.widgets.get(name))


def task_from_widgets(dbutils: Any) -> TaskRow:
    text = widget(dbutils, "task")
    if not text:
        raise ValueError("widget `task` is empty: this notebook is run by the orchestrator")
    return TaskRow.from_json(text)
