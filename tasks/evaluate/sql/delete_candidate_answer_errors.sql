-- Failed replays of the items about to be stored again (new_rows_arrow).
DELETE FROM candidate_answers
WHERE candidate = $candidate AND eval_hash = $eval_hash AND answer IS NULL
  AND eval_id IN (SELECT eval_id FROM new_rows_arrow);
