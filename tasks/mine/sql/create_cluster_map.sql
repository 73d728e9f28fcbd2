CREATE OR REPLACE TEMP TABLE cluster_map AS SELECT scene, text, cluster_id FROM cluster_map_arrow;
