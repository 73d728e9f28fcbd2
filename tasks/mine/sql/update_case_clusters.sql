-- cluster_map(scene, text, cluster_id) comes from the union-find in tasks/mine/mine.py.
UPDATE bad_cases b SET cluster_id = m.cluster_id
FROM cluster_map m
WHERE coalesce(b.scene, '') = m.scene AND norm_text(b.request) = m.text;
