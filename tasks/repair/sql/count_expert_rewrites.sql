SELECT count(*) FILTER (WHERE source = 'human' AND run_id = $run_id) FROM rewrites;
