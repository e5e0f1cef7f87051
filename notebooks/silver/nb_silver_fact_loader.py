# Databricks notebook source
# MAGIC %md
# MAGIC # Silver fact loader (full overwrite, or replace where)
# MAGIC Replaces one fact table with its bronze table in one atomic commit; with the row's
# MAGIC `replace_where` predicate (fact_replace_where), only the target's rows matching it.
# MAGIC
# MAGIC Run by the orchestrator with the widgets `task` (the metadata row as JSON) and
# MAGIC `environment`; exits with the exit-value contract (medallion_orchestrator.exit_value),
# MAGIC failure included: its error, traceback and transient flag reach the orchestrator.

# COMMAND ----------

# MAGIC %run ../_bootstrap

# COMMAND ----------

from medallion_orchestrator.exit_value import run_and_exit
from medallion_orchestrator.loaders.dispatch import load_fact
from medallion_orchestrator.notebook_support import notebook_application, task_from_widgets, widget

# COMMAND ----------


def load():
    task = task_from_widgets(dbutils)
    app = notebook_application(spark, widget(dbutils, "environment"))
    full_refresh = widget(dbutils, "full_refresh_table").lower() == "true"  # --full-refresh TABLE
    return load_fact(app.lakehouse, task, full_refresh)


run_and_exit(dbutils, load)
