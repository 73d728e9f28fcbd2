INSERT INTO rl_samples
SELECT policy, case_id, sample, answer, passed, error, created_at FROM new_rows_arrow;
