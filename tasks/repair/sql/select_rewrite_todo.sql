-- Cases routed to the LLM rewriter that this model and prompt version has not settled
-- (a failed call is tried again), with what the rewriter needs, and the pattern of the
-- cluster's latest chosen LLM rewrite to guide them. Highest priority first per cluster.
WITH settled AS (
    SELECT DISTINCT case_id FROM rewrites
    WHERE verification = 'chosen'
       OR (source = 'llm' AND model = $model AND prompt_version = $prompt_version
           AND verification = 'rejected')
),
guide AS (
    SELECT cluster_id, arg_max(pattern, created_at) AS pattern,
        arg_max(rewrite_id, created_at) AS rewrite_id
    FROM rewrites
    WHERE source = 'llm' AND verification = 'chosen' AND pattern IS NOT NULL
    GROUP BY cluster_id
),
llm_eval AS (
    SELECT interaction_id, arg_max(evidence ->> 'evaluation', judged_at) AS evaluation
    FROM judgments WHERE judge = 'llm:rubric' AND verdict IS NOT NULL GROUP BY interaction_id
)
SELECT r.case_id, r.interaction_id, r.cluster_id,
    [{'role': m.role, 'content': m.content} FOR m IN i.messages] AS context,
    i.response_content AS original,
    i.messages[-1].content AS request,
    b.signals, b.judges, e.evaluation,
    g.pattern AS guide_pattern, g.rewrite_id AS guide_id
FROM routes r
JOIN bad_cases b USING (case_id)
JOIN interactions i ON i.interaction_id = r.interaction_id
LEFT JOIN guide g ON g.cluster_id = r.cluster_id
LEFT JOIN llm_eval e ON e.interaction_id = r.interaction_id
WHERE r.route = 'llm_rewrite' AND r.case_id NOT IN (SELECT case_id FROM settled)
ORDER BY r.cluster_id, b.priority DESC NULLS LAST, r.case_id
LIMIT $max_items;
