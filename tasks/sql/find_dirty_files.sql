-- Files of a fast-path batch that must be re-read line by line: a row breaks a
-- rule, or an id occurs more than once (in the batch or the warehouse).
WITH fresh AS (
    SELECT t.* FROM {{table}} t
    WHERE run_id = $run_id AND list_contains($files, source_file)
),
broken AS (
    SELECT source_file FROM fresh t WHERE {{problem}}(t, $max_bytes) IS NOT NULL
),
repeated AS (
    SELECT {{id}} FROM {{table}}
    WHERE {{id}} IN (SELECT {{id}} FROM fresh)
    GROUP BY ALL HAVING count(*) > 1
)
SELECT source_file FROM broken
UNION
SELECT f.source_file FROM fresh f SEMI JOIN repeated r ON f.{{id}} = r.{{id}};
