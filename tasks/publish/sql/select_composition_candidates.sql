-- The pairs composition chooses from (eligible after the build), with the evidence it
-- weighs: the case's judge evidence (deviation) and user cost, whether it is a near miss,
-- how often its cluster recurs (bad cases in the cluster), and whether a version already
-- published it.
WITH clusters AS (
    SELECT cluster_id, count(*) AS cases FROM bad_cases GROUP BY cluster_id
)
SELECT p.pair_id, p.scene, p.category, p.cluster_id, p.near_miss, p.chosen_chars,
    p.rejected_chars, p.first_version IS NOT NULL AS published,
    coalesce(b.deviation, 0) AS deviation, coalesce(b.user_cost, 0) AS user_cost,
    coalesce(c.cases, 1) AS recurrence
FROM preference_pairs p
LEFT JOIN bad_cases b ON b.case_id = p.case_id
LEFT JOIN clusters c ON c.cluster_id = p.cluster_id
WHERE p.status = 'eligible'
ORDER BY p.pair_id;
