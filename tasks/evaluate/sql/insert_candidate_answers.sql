INSERT INTO candidate_answers
SELECT candidate, eval_hash, eval_id, answer, error, created_at FROM new_rows_arrow;
