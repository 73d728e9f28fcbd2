-- The units to cluster that share a band key (request_bands): probably similar, so one
-- cluster. A node clustered one by one is its own unit; a member of a kept cluster
-- stands for its cluster's unit. Keys no other unit shares join nothing.
WITH single AS (
    SELECT node, scene, text FROM cluster_scope WHERE cluster_id IS NULL
),
keys AS (
    SELECT b.bucket, s.node FROM request_bands b JOIN single s USING (scene, text)
),
kept AS (
    SELECT b.bucket, u.node
    FROM request_bands b SEMI JOIN (SELECT DISTINCT bucket FROM keys) k USING (bucket)
    JOIN request_clusters c USING (scene, text)
    JOIN cluster_scope u ON u.cluster_id = c.cluster_id
)
SELECT list(DISTINCT node) AS members
FROM (SELECT * FROM keys UNION ALL SELECT * FROM kept)
GROUP BY bucket
HAVING count(DISTINCT node) > 1;
