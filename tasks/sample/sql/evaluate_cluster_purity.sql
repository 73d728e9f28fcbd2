-- Share of bad cases whose cluster's most common (intent, language) is their own.
WITH x AS (
    SELECT b.cluster_id, g.intent, g.lang, count(*) AS n
    FROM bad_cases b JOIN ground_truth g USING (interaction_id)
    GROUP BY ALL
),
c AS (
    SELECT cluster_id, sum(n) AS size, max(n) AS main FROM x GROUP BY cluster_id
)
SELECT sum(main) / sum(size) FROM c;
