-- Ingest runs whose interactions and per-turn rows differ (rows new, deleted, or read
-- again under a new run): only those are synced, so a night with nothing new for an
-- earlier run reads none of its messages. Counts and a sum of id hashes per run: two
-- narrow columns, never the texts.
WITH i AS (
    SELECT run_id, count(*) AS n, sum(hash(interaction_id)) AS h FROM interactions GROUP BY run_id
),
t AS (
    SELECT run_id, count(*) AS n, sum(hash(interaction_id)) AS h
    FROM interaction_turns GROUP BY run_id
)
SELECT run_id FROM i FULL JOIN t USING (run_id)
WHERE i.n IS DISTINCT FROM t.n OR i.h IS DISTINCT FROM t.h
ORDER BY run_id;
