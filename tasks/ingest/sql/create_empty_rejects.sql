-- Parquet has no line-level rejects; the numbering step still expects the table.
CREATE OR REPLACE TEMP TABLE file_rejects (line BIGINT, error_type VARCHAR, csv_line VARCHAR);
