-- How many nodes to cluster again (cluster_scope: numbered 1..n in (scene, text) order).
SELECT count(*) FROM cluster_scope;
