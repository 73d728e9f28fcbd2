-- Per judged eval item: did the candidate fix it (see tasks/candidate.py)?
SELECT eval_id, fixed FROM candidate_judgments
WHERE candidate = $candidate AND eval_hash = $eval_hash AND judge_model = $judge_model
  AND error IS NULL;
