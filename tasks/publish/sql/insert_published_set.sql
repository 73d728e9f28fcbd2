INSERT INTO published_sets VALUES (
    $kind, $name, $version, $status, $path, $parent, $content_hash, $rows, $validation,
    $run_id, $now);
