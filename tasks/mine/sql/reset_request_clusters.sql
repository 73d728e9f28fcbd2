-- Band keys of other LSH settings (mining.lsh_bands, lsh_rows changed): every node is
-- hashed and clustered again.
DELETE FROM request_clusters
WHERE EXISTS (SELECT 1 FROM request_bands WHERE bands <> $bands OR "rows" <> $rows);
