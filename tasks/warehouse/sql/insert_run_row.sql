INSERT INTO runs VALUES (
    $run_id, $flow_run_id, now(), NULL, 'running', $landing, $warehouse, $datasets,
    $config_hash, $config, NULL, NULL);
