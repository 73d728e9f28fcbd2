-- Fast-path files with a row that breaks a record rule: they are re-read line by line.
SELECT DISTINCT source_file
FROM {{table}} t
WHERE run_id = $run_id AND list_contains($files, source_file)
  AND {{problem}}(t, $max_bytes) IS NOT NULL;
