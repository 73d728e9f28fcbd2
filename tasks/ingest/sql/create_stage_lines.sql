-- The careful path's input: one row per line (JSONL) or row (Parquet), numbered.
CREATE OR REPLACE TEMP TABLE stage_lines (
    source_file   VARCHAR,
    line_no       BIGINT,
    line          VARCHAR,
    reject_reason VARCHAR
);
DROP TABLE IF EXISTS file_rejects;
DROP TABLE IF EXISTS file_reject_scans;
