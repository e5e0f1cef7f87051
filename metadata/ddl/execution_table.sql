-- The orchestrator's metadata table: one row per table to load.
-- The first 17 columns are the contract; the optional ones follow: timeout_seconds (NULL: the
-- environment's default_timeout_seconds) and depends_on (destinations this row waits for; NULL:
-- every row of the nearest lower execution_order), max_retries (NULL: the environment's
-- max_retries, for transient errors only). `medallion init` runs this with the
-- configured table name and adds optional columns an older table lacks.
CREATE TABLE IF NOT EXISTS dev_silver.metadata.execution_table (
  src_system STRING,
  src_catalog STRING,
  src_table_name STRING,
  src_schema STRING,
  load_type STRING,
  dst_catalog STRING,
  dst_table_name STRING,
  dst_schema STRING,
  layer STRING,
  is_active_flag BOOLEAN,
  execution_order INT,
  execution_pipeline STRING,
  business_key_columns ARRAY<STRING>,
  primary_key_columns ARRAY<STRING>,
  sql_file_path STRING,
  cdc_source_config STRING,
  comment STRING,
  timeout_seconds INT,
  depends_on ARRAY<STRING>,
  max_retries INT
) USING DELTA
COMMENT 'medallion-orchestrator execution metadata'
