# Databricks notebook source
# MAGIC %md
# MAGIC # Gold SQL loader
# MAGIC Runs the SQL file named by the row's sql_file_path (under metadata/sql/), unless the
# MAGIC destination is up to date with it: same SQL fingerprint and input versions as its last
# MAGIC build in the `gold_build_state` ledger (widget `full_refresh` = true builds anyway).
# MAGIC
# MAGIC Run by the orchestrator with the widgets `task` (the metadata row as JSON) and
# MAGIC `environment`; exits with the exit-value contract (medallion_orchestrator.exit_value),
# MAGIC failure included: its error, traceback and transient flag reach the orchestrator.

# COMMAND ----------

# MAGIC %run ../_bootstrap

# COMMAND ----------

from medallion_orchestrator.exit_value import run_and_exit
from medallion_orchestrator.history.run_log import BUILD_STATE, HistoryTables
from medallion_orchestrator.loaders.gold_pins import pins_from_text
from medallion_orchestrator.loaders.dispatch import load_gold
from medallion_orchestrator.loaders.gold_sql import GoldInputs
from medallion_orchestrator.notebook_support import notebook_application, task_from_widgets, widget

# COMMAND ----------


def load():
    task = task_from_widgets(dbutils)
    app = notebook_application(spark, widget(dbutils, "environment"))
    ledger = widget(dbutils, "build_ledger") or HistoryTables.beside(app.metadata_table).name(
        BUILD_STATE
    )
    full_refresh = "true" in (
        widget(dbutils, "full_refresh").lower(),  # every gold table of the run
        widget(dbutils, "full_refresh_table").lower(),  # this one, named by --full-refresh
    )
    pins = pins_from_text(widget(dbutils, "pinned_versions"))  # the run's, when it pins them
    inputs = GoldInputs(app.layout.sql_dir, ledger, full_refresh, pins)
    return load_gold(app.lakehouse, task, inputs)


run_and_exit(dbutils, load)
