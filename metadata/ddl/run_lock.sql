-- At most one row per layer: the run that holds the layer, kept alive by its heartbeat.
CREATE TABLE IF NOT EXISTS dev_silver.metadata.run_lock (
  layer STRING,
  run_id STRING,
  holder STRING,
  acquired_at TIMESTAMP,
  heartbeat_at TIMESTAMP
) USING DELTA
COMMENT 'medallion-orchestrator: one active run per layer'
