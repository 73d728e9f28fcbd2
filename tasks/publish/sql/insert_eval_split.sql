-- Assign each newly repaired case, once, to the eval hold-out or to training. Within a
-- cluster, cases are taken in a fixed pseudo-random order (hash of the case id) and every
-- case that lifts floor($share * k) (k = the case's position among the cluster's assigned
-- cases) is held out: a share of 0.2 holds out the 5th, 10th, ... case of each cluster,
-- so small clusters stay whole for training until they have enough members. Cases
-- outside any cluster always train (a regression is measured per cluster).
INSERT INTO eval_split
WITH fresh AS (
    SELECT case_id, any_value(cluster_id) AS cluster_id
    FROM preference_pairs
    WHERE case_id NOT IN (SELECT case_id FROM eval_split)
    GROUP BY case_id
),
seen AS (
    SELECT cluster_id, count(*) AS n FROM eval_split GROUP BY cluster_id
),
ranked AS (
    SELECT f.case_id, f.cluster_id,
        coalesce(s.n, 0) + row_number() OVER (
            PARTITION BY f.cluster_id ORDER BY hash(f.case_id), f.case_id) AS k
    FROM fresh f LEFT JOIN seen s ON s.cluster_id IS NOT DISTINCT FROM f.cluster_id
)
SELECT case_id, cluster_id,
    CASE WHEN cluster_id IS NOT NULL AND floor($share * k) > floor($share * (k - 1))
         THEN 'eval' ELSE 'train' END,
    $run_id, $now
FROM ranked;
