-- What a night clusters (tasks/mine/mine.py, _cluster). A cluster is named by its
-- smallest node (scene, normalised request), a fact of the graph alone, so:
--   - nodes no bad case asks any more are removed (temp table removed_nodes), and a
--     cluster that lost one may split: its other nodes are clustered again one by one;
--   - new nodes are clustered one by one;
--   - a kept cluster that shares a band key with one of those joins as one unit, named
--     by its smallest node: it is connected already, nothing left it.
-- Every other cluster is unchanged. Units are numbered in (scene, text) order (temp
-- table cluster_scope), so the union-find compares numbers, never texts.
CREATE OR REPLACE TEMP TABLE live_nodes AS SELECT DISTINCT scene, text FROM case_texts;

CREATE OR REPLACE TEMP TABLE removed_nodes AS
SELECT scene, text, cluster_id FROM request_clusters ANTI JOIN live_nodes USING (scene, text);

CREATE OR REPLACE TEMP TABLE cluster_scope AS
WITH dirty AS (
    SELECT DISTINCT cluster_id FROM removed_nodes
),
single AS (
    -- new nodes, and the nodes left in a cluster that lost one
    SELECT scene, text FROM live_nodes ANTI JOIN request_clusters USING (scene, text)
    UNION ALL
    SELECT scene, text FROM request_clusters
    SEMI JOIN dirty USING (cluster_id)
    SEMI JOIN live_nodes USING (scene, text)
),
buckets AS (
    SELECT DISTINCT bucket FROM request_bands SEMI JOIN single USING (scene, text)
),
touched AS (
    -- kept clusters sharing a band key with one of those nodes
    SELECT DISTINCT c.cluster_id
    FROM request_bands b SEMI JOIN buckets USING (bucket)
    JOIN request_clusters c USING (scene, text)
    ANTI JOIN dirty USING (cluster_id)
),
roots AS (
    SELECT scene, text, cluster_id FROM request_clusters SEMI JOIN touched USING (cluster_id)
    QUALIFY row_number() OVER (PARTITION BY cluster_id ORDER BY scene, text) = 1
),
units AS (
    SELECT scene, text, NULL::VARCHAR AS cluster_id FROM single
    UNION ALL
    SELECT scene, text, cluster_id FROM roots
)
SELECT row_number() OVER (ORDER BY scene, text) AS node, scene, text, cluster_id FROM units;
