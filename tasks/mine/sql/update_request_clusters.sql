-- Keep the clusters of the nodes clustered again (cluster_map, from the union-find in
-- tasks/mine/mine.py); forget nodes no bad case asks any more.
DELETE FROM request_clusters c
WHERE EXISTS (SELECT 1 FROM cluster_scope s WHERE s.scene = c.scene AND s.text = c.text)
   OR NOT EXISTS (SELECT 1 FROM case_texts t WHERE t.scene = c.scene AND t.text = c.text);
INSERT INTO request_clusters SELECT scene, text, cluster_id FROM cluster_map;
