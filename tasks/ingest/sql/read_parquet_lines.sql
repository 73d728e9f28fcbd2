-- Read a Parquet file as one JSON text per row, so both formats share the careful checks.
CREATE OR REPLACE TEMP TABLE file_lines AS
SELECT to_json(p)::VARCHAR AS line FROM read_parquet($path) p;
