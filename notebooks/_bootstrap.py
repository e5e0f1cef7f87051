# Databricks notebook source
# MAGIC %md
# MAGIC # Find the medallion_orchestrator library
# MAGIC Every notebook runs this first with `%run ../_bootstrap`. When the library is installed
# MAGIC (the bundle's wheel, or a local install) it does nothing. Otherwise, as when the notebooks
# MAGIC are opened from a Git folder, it walks up from the notebook's folder (the working
# MAGIC directory of a Databricks notebook) to the project's `src/` and puts it on `sys.path`.

# COMMAND ----------

import importlib.util
import sys
from pathlib import Path


def _put_medallion_src_on_path(start: Path) -> None:
    if importlib.util.find_spec("medallion_orchestrator") is not None:
        return
    for folder in (start, *start.parents):
        if (folder / "src" / "medallion_orchestrator" / "__init__.py").is_file():
            sys.path.insert(0, str(folder / "src"))
            return
    raise ModuleNotFoundError(
        f"medallion_orchestrator is not installed and no src/medallion_orchestrator is above "
        f"{start}: install the project's wheel on the cluster, or open the notebooks from the "
        "project's Git folder"
    )


_put_medallion_src_on_path(Path.cwd())
