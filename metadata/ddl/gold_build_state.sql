-- The last build of each gold destination, read from task_run_log's ledger column: what the next
-- build compares itself with (SQL fingerprint, input versions, output schema).
CREATE VIEW IF NOT EXISTS dev_silver.metadata.gold_build_state AS
SELECT
  task AS destination,
  run_id,
  ended_at AS built_at,
  target_version,
  get_json_object(build, '$.fingerprint') AS fingerprint,
  build
FROM (
  SELECT *, row_number() OVER (PARTITION BY task ORDER BY ended_at DESC, attempt DESC) AS newest
  FROM dev_silver.metadata.task_run_log
  WHERE status = 'SUCCESS' AND build IS NOT NULL
)
WHERE newest = 1
