# Databricks notebook source
# MAGIC %md
# MAGIC # Medallion orchestrator
# MAGIC Reads the active rows of one layer from the execution table, runs them in batches by
# MAGIC `execution_order` (each batch in parallel), prints the summary and fails the run if any
# MAGIC task did not succeed. With `scheduler` = `dag` (or `auto` when a row has `depends_on`), a
# MAGIC task starts as soon as what it depends on has succeeded, longest remaining path first.
# MAGIC Several layers (`layer` = `bronze_to_silver,silver_to_gold`) run as one graph: a gold table
# MAGIC starts once the silver tables it reads have loaded; each layer keeps its run and lock.
# MAGIC `full_refresh_tables` ("catalog.schema.table,...") rebuilds those tables from nothing.

# COMMAND ----------

# MAGIC %run ../_bootstrap

# COMMAND ----------

dbutils.widgets.text("max_workers", "")
dbutils.widgets.dropdown("continue_on_failure", "false", ["false", "true"])
dbutils.widgets.dropdown("scheduler", "auto", ["auto", "batch", "dag"])
dbutils.widgets.text("environment", "")
dbutils.widgets.text("metadata_table", "")
dbutils.widgets.text("repair_run_id", "")
dbutils.widgets.dropdown("full_refresh", "false", ["false", "true"])
# tables rebuilt from nothing, "catalog.schema.table,..." (`medallion run --full-refresh TABLE`);
# a job gives it to each layer's task, each takes its own layer's tables
dbutils.widgets.text("full_refresh_tables", "")
dbutils.widgets.dropdown("dry_run", "false", ["false", "true"])
dbutils.widgets.dropdown("pin_inputs", "false", ["false", "true"])

# COMMAND ----------

from medallion_orchestrator.errors import RunFailed
from medallion_orchestrator.execution.results import exit_value
from medallion_orchestrator.execution.summary import render_summary
from medallion_orchestrator.notebook_support import (
    full_refresh_of,
    layer_choices,
    notebook_application,
    print_progress,
    required_environment,
)
from medallion_orchestrator.run_request import RunRequest
from medallion_orchestrator.run_together import run_layers

# On Databricks an empty `environment` fails here: the local default would use dev_* tables.
environment = required_environment(dbutils.widgets.get("environment"))
# its tasks run through this notebook's dbutils.notebook.run (runners/chain.py)
app = notebook_application(spark, environment, dbutils.widgets.get("metadata_table"), dbutils)
default_layer, layers = layer_choices(app)
# the layers of the execution table; several (a job parameter "a,b") run together
dbutils.widgets.multiselect("layer", default_layer, layers)
chosen_layers = [name.strip() for name in dbutils.widgets.get("layer").split(",") if name.strip()]
request = RunRequest(
    chosen_layers,
    max_workers=int(dbutils.widgets.get("max_workers") or 0) or None,
    continue_on_failure=dbutils.widgets.get("continue_on_failure") == "true",
    scheduler=dbutils.widgets.get("scheduler") or "auto",
    repair_of=dbutils.widgets.get("repair_run_id") or None,
    full_refresh=dbutils.widgets.get("full_refresh") == "true",
    pin_inputs=dbutils.widgets.get("pin_inputs") == "true",
    full_refresh_tables=full_refresh_of(
        app, dbutils.widgets.get("full_refresh_tables"), chosen_layers
    ),
)

# COMMAND ----------

# A dry run: the plan, and what each gold table would do and why; nothing is written.
if dbutils.widgets.get("dry_run") == "true":
    import json

    from medallion_orchestrator.gold_plan import gold_plan, render_plan
    from medallion_orchestrator.orchestration import choose_scheduler, plan
    from medallion_orchestrator.plan_views import display_plan
    from medallion_orchestrator.refresh_selection import with_full_refresh
    from medallion_orchestrator.run_together import plan_layers

    tables = request.full_refresh_tables  # marked [full refresh] in the plan
    if len(request.layers) > 1:
        graph = with_full_refresh(plan_layers(app, request.layers).graph, tables)
        print(graph.describe())
        display_plan(app, graph, "dag", displayHTML, request.layers)  # on Databricks
    else:
        layer_plan = with_full_refresh(plan(app, request.layer), tables)
        print(layer_plan.describe())
        scheduler = choose_scheduler(layer_plan, request.scheduler)
        display_plan(app, layer_plan, scheduler, displayHTML)
    states = {}
    for layer in request.layers:
        changes = gold_plan(app, layer, request.full_refresh, tables)
        print(render_plan(changes))
        states |= {change.destination: change.state for change in changes}
    layer = ",".join(request.layers)
    dbutils.notebook.exit(json.dumps({"dry_run": True, "layer": layer, "gold": states}))

# COMMAND ----------

print_progress()  # one line as each task starts and ends, [3/24] counting the ends
results = run_layers(app, request)
for result in results:
    print(render_summary(result))

# COMMAND ----------

# Each run's timeline on Databricks (`medallion runs RUN_ID --timeline` draws it locally)
from medallion_orchestrator.run_timeline import display_timeline

for result in results:
    display_timeline(app, result.run_id, displayHTML)

# COMMAND ----------

not_succeeded = [r for result in results for r in result.not_succeeded]
if not_succeeded:
    failed = ", ".join(f"{r.key} ({r.status})" for r in not_succeeded)
    raise RunFailed(f"{len(not_succeeded)} task(s) did not succeed: {failed}")
dbutils.notebook.exit(exit_value(results))  # far below the 5 MB Databricks keeps
