-- Keep the scored interactions (case_scores) that are bad enough as bad cases.
INSERT INTO bad_cases
SELECT
    'bc-' || left(md5(interaction_id), 16), interaction_id, conversation_id, NULL, scene, request,
    signals, judges, user_cost, deviation, badness, NULL,
    -- near miss: users rejected a fluent, well-formed, on-topic answer no rule faults
    rule_deviation = 0 AND greatest(user_cost, family_evidence) >= $near_miss_min_cost
        AND answer_chars >= $near_miss_min_chars,
    'new', $run_id
FROM case_scores
WHERE badness >= $badness_threshold;
