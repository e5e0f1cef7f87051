"""Running the project's Databricks notebooks in-process, without Databricks."""
