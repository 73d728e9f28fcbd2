-- Rows each fast-path file put in the table during this run.
SELECT source_file, count(*) AS n
FROM {{table}}
WHERE run_id = $run_id AND list_contains($files, source_file)
GROUP BY source_file;
