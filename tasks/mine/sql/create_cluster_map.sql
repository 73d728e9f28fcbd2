-- Each unit clustered and its cluster, named by the smallest node of the cluster
-- (cluster_map_arrow: unit -> root unit, from the union-find in tasks/mine/mine.py).
-- kept_id: the kept cluster a unit stands for (NULL for a node clustered one by one).
CREATE OR REPLACE TEMP TABLE cluster_map AS
SELECT s.scene, s.text, s.cluster_id AS kept_id,
    'cl-' || left(md5(r.scene || chr(31) || r.text), 12) AS cluster_id
FROM cluster_map_arrow m
JOIN cluster_scope s ON s.node = m.node
JOIN cluster_scope r ON r.node = m.root;
