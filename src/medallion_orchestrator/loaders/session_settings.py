"""The Spark settings a load needs in its session, wherever it runs.

Constraint propagation infers, for each node of a plan, every predicate its rows satisfy. SCD2's
rebuild of whole chains (CASE WHEN and OR over each column, through windows and unions) makes
that set grow exponentially with the columns: 16 columns took 66 s to plan, 25 ran out of a 2 GB
heap. Spark's own switch for such plans, `spark.sql.constraintPropagation.enabled`, turns it off;
it only infers filters, so results do not change. A Databricks loader notebook has a session of
its own; the local session is started with it off (runtime/local_spark.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

CONSTRAINT_PROPAGATION = "spark.sql.constraintPropagation.enabled"


def plan_without_constraint_propagation(spark: SparkSession) -> None:
    """Off in this session; where the compute refuses the setting (serverless allows only some),
    the load goes on as it would have."""
    try:
        spark.conf.set(CONSTRAINT_PROPAGATION, "false")
    except Exception as error:
        logger.debug("%s could not be set: %s", CONSTRAINT_PROPAGATION, error)
