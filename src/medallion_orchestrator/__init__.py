"""Metadata-driven orchestrator for Databricks Medallion lakehouses."""

__version__ = "0.1.0"
