-- Per judged eval item: did the candidate fix it, and is it at least as good as the
-- reference repair (preferred or tied in both orders)? See tasks/evaluate/candidate.py.
SELECT eval_id, fixed, vs_reference IN ('candidate', 'tie') AS matches_reference
FROM candidate_judgments
WHERE candidate = $candidate AND eval_hash = $eval_hash AND judge_model = $judge_model
  AND error IS NULL;
