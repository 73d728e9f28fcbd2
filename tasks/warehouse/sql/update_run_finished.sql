UPDATE runs
SET finished_at = now(), status = $status, summary = $summary, error = $error
WHERE run_id = $run_id;
