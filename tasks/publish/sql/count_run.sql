-- Whether a run of this warehouse has this id (a version it committed is its own).
SELECT count(*) FROM runs WHERE run_id = $run_id;
