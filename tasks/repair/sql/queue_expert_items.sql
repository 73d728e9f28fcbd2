-- One expert_repair item per case routed to people, with what the expert needs:
-- why it is bad (judges, the LLM judge's evaluation, a rejected rewrite's reason and
-- diagnosis) and the rejected LLM rewrite as a draft. Idempotent.
INSERT INTO review_queue
WITH llm_eval AS (
    SELECT interaction_id, arg_max(evidence ->> 'evaluation', judged_at) AS evaluation
    FROM judgments WHERE judge = 'llm:rubric' AND verdict IS NOT NULL GROUP BY interaction_id
),
last_rewrite AS (
    SELECT case_id, arg_max(answer, created_at) AS draft,
        arg_max(verification_reason, created_at) AS rejected_because,
        arg_max(diagnosis, created_at) AS diagnosis
    FROM rewrites WHERE source = 'llm' AND answer IS NOT NULL GROUP BY case_id
)
SELECT 'rq-' || left(md5('expert_repair|' || r.case_id), 16), 'expert_repair', r.interaction_id,
    r.case_id, r.cluster_id, r.scene, r.reason, NULL, NULL, NULL, NULL,
    concat_ws(chr(10),
        'signals: ' || nullif(array_to_string(b.signals, ', '), ''),
        'judges: ' || nullif(array_to_string(b.judges, ', '), ''),
        'LLM judge: ' || e.evaluation,
        'rewrite rejected: ' || w.rejected_because,
        'rewriter diagnosis: ' || w.diagnosis),
    w.draft, 'pending', NULL, NULL, NULL, NULL, NULL, NULL, $run_id, $now
FROM routes r
JOIN bad_cases b USING (case_id)
LEFT JOIN llm_eval e ON e.interaction_id = r.interaction_id
LEFT JOIN last_rewrite w USING (case_id)
WHERE r.route = 'human_review'
  AND 'rq-' || left(md5('expert_repair|' || r.case_id), 16) NOT IN (SELECT item_id FROM review_queue);
