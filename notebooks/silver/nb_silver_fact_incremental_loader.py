# Databricks notebook source
# MAGIC %md
# MAGIC # Silver incremental fact loader (MERGE)
# MAGIC Merges the bronze rows past the committed watermark into one high-volume fact.
# MAGIC
# MAGIC Run by the orchestrator with the widgets `task` (the metadata row as JSON) and
# MAGIC `environment`; exits with the load result as JSON.

# COMMAND ----------

# MAGIC %run ../_bootstrap

# COMMAND ----------

from medallion_orchestrator.loaders.incremental_merge import load_incremental_merge
from medallion_orchestrator.notebook_support import notebook_application, task_from_widgets, widget

# COMMAND ----------

task = task_from_widgets(dbutils)
app = notebook_application(spark, widget(dbutils, "environment"))
result = load_incremental_merge(app.lakehouse, task)

# COMMAND ----------

dbutils.notebook.exit(result.to_json())
