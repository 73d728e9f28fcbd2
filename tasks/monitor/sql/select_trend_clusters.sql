-- Per cluster: bad cases on the last night, the mean of the $window nights before it, and
-- every night's count. Status: new (none before), fixed (none on the last night),
-- growing / shrinking (more than $change above / below the earlier mean), else stable.
WITH nights AS (
    SELECT DISTINCT CAST(ts AT TIME ZONE 'UTC' AS DATE) AS night FROM interactions
),
last AS (SELECT max(night) AS night FROM nights),
earlier AS (
    SELECT night FROM nights WHERE night < (SELECT night FROM last)
    ORDER BY night DESC LIMIT $window
),
daily AS (
    SELECT b.cluster_id, CAST(i.ts AT TIME ZONE 'UTC' AS DATE) AS night, count(*) AS cases
    FROM bad_cases b JOIN interactions i USING (interaction_id)
    WHERE b.cluster_id IS NOT NULL
    GROUP BY ALL
),
per_cluster AS (
    SELECT cluster_id,
        coalesce(sum(cases) FILTER (WHERE night = (SELECT night FROM last)), 0) AS last_night,
        coalesce(sum(cases) FILTER (WHERE night IN (SELECT night FROM earlier)), 0)
            / greatest((SELECT count(*) FROM earlier), 1) AS earlier_mean,
        coalesce(sum(cases) FILTER (WHERE night < (SELECT night FROM last)), 0) AS before_total,
        sum(cases) AS total,
        list({'night': night, 'cases': cases} ORDER BY night) AS series
    FROM daily GROUP BY cluster_id
)
SELECT cluster_id, last_night, round(earlier_mean, 3) AS earlier_mean, total,
    CASE WHEN before_total = 0 THEN 'new'
         WHEN last_night = 0 THEN 'fixed'
         WHEN last_night > earlier_mean * (1 + $change) THEN 'growing'
         WHEN last_night < earlier_mean * (1 - $change) THEN 'shrinking'
         ELSE 'stable' END AS status,
    series
FROM per_cluster
ORDER BY total DESC, cluster_id;
