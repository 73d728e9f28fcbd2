-- Every bad-case request (scene, normalised text) with band keys: the nodes to cluster.
SELECT DISTINCT scene, text FROM request_bands;
