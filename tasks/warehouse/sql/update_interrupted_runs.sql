-- Runs still 'running' when a new run holds the warehouse lock died mid-way (killed,
-- crashed machine): nothing else can be running, so say so.
UPDATE runs SET status = 'failed', finished_at = now(),
    error = 'interrupted: the run stopped without finishing (found by run ' || $run_id || ')'
WHERE status = 'running' AND run_id <> $run_id;
