SELECT run_id, status, started_at, finished_at FROM runs ORDER BY started_at DESC LIMIT 1;
