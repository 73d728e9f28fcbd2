-- Interactions of this scope a trusted LLM judge cleared, and those disputed by the user's
-- explicit feedback (kept out of bad cases until a person decides).
SELECT count(*) FILTER (WHERE cleared AND judged_badness >= $badness_threshold),
    count(*) FILTER (WHERE disputed AND judged_badness >= $badness_threshold)
FROM case_scores;
