-- Forget band keys of other LSH settings (every node is hashed again).
DELETE FROM request_bands WHERE bands <> $bands OR "rows" <> $rows;
