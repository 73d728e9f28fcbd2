-- A whole file that yields no records: empty, or unreadable (broken gzip, bad Parquet).
INSERT INTO quarantine VALUES ($run_id, $kind, $path, NULL, $reason, $detail, NULL, NULL, $size_bytes, now());
