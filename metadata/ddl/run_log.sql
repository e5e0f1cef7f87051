-- One row per orchestrator run, next to the execution table; written as the run goes.
CREATE TABLE IF NOT EXISTS dev_silver.metadata.run_log (
  run_id STRING,
  layer STRING,
  environment STRING,
  status STRING,
  started_at TIMESTAMP,
  ended_at TIMESTAMP,
  duration_seconds DOUBLE,
  total_tasks INT,
  succeeded INT,
  failed INT,
  timed_out INT,
  skipped INT,
  repair_of STRING,
  host STRING,
  cancelled INT,
  up_to_date INT,
  pinned_versions STRING,
  max_workers INT,
  scheduler STRING
) USING DELTA
COMMENT 'medallion-orchestrator runs'
