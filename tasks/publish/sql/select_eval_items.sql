-- The regression eval set: each held-out case's current pair (prompt, the verified
-- repair as reference, the original bad answer), in a stable order; in_training (for
-- the suite, not published): whether any pair of the case is in the preference set.
SELECT p.case_id AS eval_id, p.prompt, p.chosen[1].content AS reference,
    p.rejected[1].content AS original, coalesce(p.cluster_id, '(none)') AS cluster_id,
    coalesce(p.category, '(none)') AS category, p.scene,
    p.case_id IN (SELECT case_id FROM preference_pairs WHERE status = 'eligible') AS in_training
FROM preference_pairs p JOIN eval_split e ON e.case_id = p.case_id AND e.split = 'eval'
WHERE p.exclusion_reason = 'eval_holdout'
ORDER BY p.case_id;
