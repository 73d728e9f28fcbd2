-- The candidate's answers this judge model has no verdict on yet (errors are asked again).
SELECT a.eval_id, a.answer
FROM candidate_answers a
WHERE a.candidate = $candidate AND a.eval_hash = $eval_hash AND a.answer IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM candidate_judgments j
    WHERE j.candidate = a.candidate AND j.eval_hash = a.eval_hash AND j.eval_id = a.eval_id
      AND j.judge_model = $judge_model AND j.error IS NULL)
ORDER BY a.eval_id;
