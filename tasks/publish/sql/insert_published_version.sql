INSERT INTO published_versions VALUES (
    $dataset, $version, $status, $path, $parent, $content_hash, $pairs, $kto_rows, $added,
    $removed, $validation, $run_id, $now);
