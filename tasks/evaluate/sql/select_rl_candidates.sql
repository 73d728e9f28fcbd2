-- Prompts for RL: the training side's repaired bad cases (never held-out eval cases), each
-- with its verified repair as reference and the original bad answer, highest priority first.
SELECT p.case_id AS prompt_id, p.prompt, p.chosen[1].content AS reference,
    p.rejected[1].content AS original, coalesce(p.cluster_id, '(none)') AS cluster_id,
    coalesce(p.category, '(none)') AS category, p.scene, p.judges
FROM preference_pairs p
JOIN bad_cases b USING (case_id)
WHERE p.status = 'eligible'
ORDER BY b.priority DESC NULLS LAST, p.case_id
LIMIT $max_prompts;
