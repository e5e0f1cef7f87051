"""A local HTTP server that speaks the part of the Databricks Jobs REST API the runner uses."""

from __future__ import annotations

from .server import RUNS, FakeDatabricks, Recorded, Scenario

__all__ = ["RUNS", "FakeDatabricks", "Recorded", "Scenario"]
