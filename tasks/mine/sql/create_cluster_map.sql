-- Each node clustered again and its cluster, named by the smallest node of the cluster
-- (cluster_map_arrow: node -> root, from the union-find in tasks/mine/mine.py).
CREATE OR REPLACE TEMP TABLE cluster_map AS
SELECT s.scene, s.text, 'cl-' || left(md5(r.scene || chr(31) || r.text), 12) AS cluster_id
FROM cluster_map_arrow m
JOIN cluster_scope s ON s.node = m.node
JOIN cluster_scope r ON r.node = m.root;
