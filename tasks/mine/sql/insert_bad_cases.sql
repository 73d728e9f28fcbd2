-- Keep the scored interactions (case_scores) that are bad enough as bad cases.
-- The request is the last user turn, or the one before it when the last one corrects
-- the answer before (case_scores.asks_again); both kept in interaction_turns.
INSERT INTO bad_cases
SELECT
    'bc-' || left(md5(c.interaction_id), 16), c.interaction_id, c.conversation_id, NULL,
    c.scene,
    CASE WHEN t.user_turns >= 2 AND c.asks_again THEN t.prev_ask
         WHEN t.last_is_user THEN t.request
         ELSE t.last_ask END,
    c.signals, c.judges, c.user_cost, c.deviation, c.badness, NULL,
    -- near miss: users rejected a fluent, well-formed, on-topic answer no rule faults
    c.rule_deviation = 0 AND greatest(c.user_cost, c.family_evidence) >= $near_miss_min_cost
        AND c.answer_chars >= $near_miss_min_chars,
    'new', $run_id
FROM case_scores c JOIN interaction_turns t USING (interaction_id)
WHERE c.badness >= $badness_threshold AND t.ts >= getvariable('mine_since');
