SELECT count(*) FROM candidate_answers
WHERE candidate = $candidate AND eval_hash = $eval_hash AND answer IS NOT NULL;
