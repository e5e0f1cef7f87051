"""Whether this process runs on Databricks, and its notebook's dbutils: decided here only."""

from __future__ import annotations

import logging
import os
from typing import Any

logger = logging.getLogger(__name__)
RUNTIME_VERSION_ENV = "DATABRICKS_RUNTIME_VERSION"


def on_databricks() -> bool:
    """A Databricks cluster or serverless compute sets its runtime's version."""
    return RUNTIME_VERSION_ENV in os.environ


def notebook_dbutils() -> Any | None:
    """The notebook's `dbutils` when this process is a Databricks notebook's; None elsewhere."""
    if not on_databricks():
        return None
    try:
        from databricks.sdk import runtime
    except Exception as error:  # an unusual runtime: no notebook globals to offer
        logger.debug("databricks.sdk.runtime unavailable: %s", error)
        return None
    if runtime.is_local_implementation:
        return None
    return getattr(runtime, "dbutils", None)
