-- How many units to cluster (cluster_scope: numbered 1..n in (scene, text) order).
SELECT count(*) FROM cluster_scope;
