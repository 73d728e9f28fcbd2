-- Fast-path files holding an id that occurs twice in the batch, or that an
-- earlier file or run already put in the table: re-read line by line, so the
-- extra copies are quarantined with their line numbers.
WITH fresh AS (
    SELECT source_file, {{id}} FROM {{table}}
    WHERE run_id = $run_id AND list_contains($files, source_file)
),
repeated_in_batch AS (
    SELECT {{id}} FROM fresh GROUP BY {{id}} HAVING count(*) > 1
),
seen_before AS (
    SELECT {{id}} FROM {{table}}
    WHERE run_id <> $run_id OR NOT list_contains($files, source_file)
)
SELECT DISTINCT source_file FROM fresh
WHERE {{id}} IN (SELECT {{id}} FROM repeated_in_batch)
   OR {{id}} IN (SELECT {{id}} FROM seen_before);
