SELECT route, reason, count(*) FROM routes WHERE run_id = $run_id GROUP BY ALL ORDER BY ALL;
