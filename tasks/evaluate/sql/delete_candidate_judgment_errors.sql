-- Failed judgments of the items about to be stored again (new_rows_arrow).
DELETE FROM candidate_judgments
WHERE candidate = $candidate AND eval_hash = $eval_hash AND error IS NOT NULL
  AND (eval_id, judge_model) IN (SELECT (eval_id, judge_model) FROM new_rows_arrow);
