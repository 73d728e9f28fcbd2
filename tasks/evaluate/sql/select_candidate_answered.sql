-- Eval items the candidate has answered already (the replay cache).
SELECT eval_id FROM candidate_answers
WHERE candidate = $candidate AND eval_hash = $eval_hash AND answer IS NOT NULL;
