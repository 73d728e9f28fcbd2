-- Every version ever written (published or quarantined), preference sets and the others.
SELECT dataset AS name, version, status, path FROM published_versions
UNION ALL
SELECT name, version, status, path FROM published_sets
ORDER BY name, version;
