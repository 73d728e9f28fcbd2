SELECT count(DISTINCT cluster_id) FROM request_clusters;
