INSERT INTO ingested_files VALUES (
    $path, $kind, $format, $dt, $size_bytes, $mtime, $sha256, $status, $parse_path,
    $rows_read, $rows_inserted, $rows_duplicate, $rows_quarantined, $run_id, now());
