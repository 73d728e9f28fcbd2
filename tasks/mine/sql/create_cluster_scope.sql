-- The nodes to cluster again (temp table cluster_scope, numbered): new nodes, and every node of a
-- cluster that lost a node or shares a band key with a new one. Every other cluster is
-- unchanged: nothing new joins it and nothing left it (tasks/mine/mine.py, _cluster).
CREATE OR REPLACE TEMP TABLE cluster_scope AS
WITH live AS (
    SELECT DISTINCT scene, text FROM case_texts
),
fresh AS (
    SELECT scene, text FROM live ANTI JOIN request_clusters USING (scene, text)
),
removed AS (
    SELECT scene, text, cluster_id FROM request_clusters ANTI JOIN live USING (scene, text)
),
touched AS (
    SELECT cluster_id FROM removed
    UNION
    SELECT c.cluster_id
    FROM request_clusters c
    JOIN request_bands b USING (scene, text)
    SEMI JOIN (SELECT bucket FROM request_bands SEMI JOIN fresh USING (scene, text)) f USING (bucket)
),
picked AS (
    SELECT scene, text FROM fresh
    UNION
    SELECT scene, text FROM request_clusters c
    SEMI JOIN touched USING (cluster_id)
    SEMI JOIN live USING (scene, text)
)
-- numbered in (scene, text) order: the union-find compares numbers, never texts
SELECT row_number() OVER (ORDER BY scene, text) AS node, scene, text FROM picked;
