-- One row per task attempt of a run; appended as each attempt ends.
CREATE TABLE IF NOT EXISTS dev_silver.metadata.task_run_log (
  run_id STRING,
  layer STRING,
  task STRING,
  notebook STRING,
  execution_order INT,
  status STRING,
  attempt INT,
  started_at TIMESTAMP,
  ended_at TIMESTAMP,
  duration_seconds DOUBLE,
  message STRING,
  error STRING,
  rows_written BIGINT,
  target_version BIGINT,
  error_class STRING,
  transient BOOLEAN,
  build STRING
) USING DELTA
COMMENT 'medallion-orchestrator task attempts'
