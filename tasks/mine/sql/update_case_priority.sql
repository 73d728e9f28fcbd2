-- priority = cluster frequency x user cost x deviation, each of the last two
-- floored so that silent failures (no user signal) and near misses (no judge
-- evidence) still rank; a case's priority is its cluster's, scaled by its badness.
-- Rounded: parallel aggregation may sum in any order, and re-runs must agree exactly.
-- Only rows whose priority changes are written.
UPDATE bad_cases b SET priority = round(c.cluster_priority * b.badness, 6)
FROM (
    SELECT cluster_id,
        count(*) * ($floor + avg(least(user_cost, 1))) * ($floor + avg(deviation)) AS cluster_priority
    FROM bad_cases GROUP BY cluster_id
) c
WHERE b.cluster_id = c.cluster_id
  AND b.priority IS DISTINCT FROM round(c.cluster_priority * b.badness, 6);
