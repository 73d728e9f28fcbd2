-- The clusters worth fixing first, with an example request and their dominant signals.
WITH c AS (
    SELECT cluster_id, any_value(scene) AS scene, count(*) AS size,
        max(priority / badness) AS priority,
        arg_max(request, badness) AS example_request,
        avg(user_cost) AS user_cost, avg(deviation) AS deviation,
        count(*) FILTER (WHERE near_miss) AS near_misses
    FROM bad_cases GROUP BY cluster_id
),
sig AS (
    SELECT cluster_id, s AS signal, count(*) AS n
    FROM (SELECT cluster_id, unnest(list_concat(signals, judges)) AS s FROM bad_cases)
    GROUP BY ALL
),
top_sig AS (
    SELECT cluster_id, string_agg(signal || ' ' || n, ', ' ORDER BY n DESC, signal) AS dominant
    FROM (SELECT *, row_number() OVER (PARTITION BY cluster_id ORDER BY n DESC, signal) AS k FROM sig)
    WHERE k <= 3 GROUP BY cluster_id
)
SELECT c.cluster_id, c.scene, c.size, round(c.priority, 2) AS priority, c.example_request,
    coalesce(t.dominant, '') AS dominant_signals, round(c.user_cost, 2) AS user_cost,
    round(c.deviation, 2) AS deviation, c.near_misses
FROM c LEFT JOIN top_sig t USING (cluster_id)
ORDER BY c.priority DESC, c.cluster_id
LIMIT $limit;
