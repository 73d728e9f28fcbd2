INSERT INTO candidate_judgments
SELECT candidate, eval_hash, eval_id, judge_model, rubric_verdict, rubric_score, vs_original,
    vs_reference, fixed, error, created_at
FROM new_rows_arrow;
