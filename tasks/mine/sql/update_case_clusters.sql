-- Each bad case gets its node's cluster (request_clusters); only rows that change are written.
UPDATE bad_cases b SET cluster_id = c.cluster_id
FROM case_texts t JOIN request_clusters c USING (scene, text)
WHERE b.case_id = t.case_id AND b.cluster_id IS DISTINCT FROM c.cluster_id;
