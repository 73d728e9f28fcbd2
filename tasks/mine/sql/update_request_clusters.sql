-- Keep what the night clustered (cluster_map): nodes clustered one by one get their
-- cluster, a kept cluster merged into another takes that one's name; removed nodes go.
DELETE FROM request_clusters c
WHERE EXISTS (SELECT 1 FROM removed_nodes r WHERE r.scene = c.scene AND r.text = c.text)
   OR EXISTS (SELECT 1 FROM cluster_map m
              WHERE m.kept_id IS NULL AND m.scene = c.scene AND m.text = c.text);
UPDATE request_clusters c SET cluster_id = m.cluster_id
FROM cluster_map m
WHERE m.kept_id IS NOT NULL AND c.cluster_id = m.kept_id AND m.cluster_id <> m.kept_id;
INSERT INTO request_clusters
SELECT scene, text, cluster_id FROM cluster_map WHERE kept_id IS NULL;
