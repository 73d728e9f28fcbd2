-- Each case's chosen repair (a human one wins over an LLM one, then the newest) that
-- has no pair yet, with everything the pair carries.
WITH chosen AS (
    SELECT case_id,
        first(rewrite_id ORDER BY source = 'human' DESC, created_at DESC) AS rewrite_id
    FROM rewrites WHERE verification = 'chosen' AND answer IS NOT NULL
    GROUP BY case_id
),
llm AS (
    SELECT interaction_id, arg_max(verdict, judged_at) AS verdict, arg_max(score, judged_at) AS score
    FROM judgments WHERE judge = 'llm:rubric' AND verdict IS NOT NULL GROUP BY interaction_id
)
SELECT 'pp-' || left(md5(concat_ws('|', b.case_id, w.answer)), 16) AS pair_id,
    b.case_id, b.interaction_id, b.cluster_id, b.scene,
    CASE WHEN len([j FOR j IN b.judges IF j LIKE 'rule:%']) > 0
             THEN replace([j FOR j IN b.judges IF j LIKE 'rule:%'][1], 'rule:', '')
         WHEN b.near_miss THEN 'near_miss'
         WHEN list_contains(b.judges, 'llm:rubric') THEN 'llm_judged_bad'
         ELSE 'user_signal' END AS category,
    w.rewrite_id, w.source AS rewrite_source,
    [{'role': m.role, 'content': m.content} FOR m IN i.messages
        IF m.role IN ('system', 'user', 'assistant') AND m.content IS NOT NULL] AS prompt,
    w.answer AS chosen_text, i.response_content AS rejected_text,
    b.near_miss, b.badness, b.signals, b.judges, l.verdict AS llm_verdict, l.score AS llm_score
FROM chosen c
JOIN rewrites w USING (rewrite_id)
JOIN bad_cases b ON b.case_id = c.case_id
JOIN interactions i ON i.interaction_id = b.interaction_id
LEFT JOIN llm l ON l.interaction_id = b.interaction_id
WHERE 'pp-' || left(md5(concat_ws('|', b.case_id, w.answer)), 16)
      NOT IN (SELECT pair_id FROM preference_pairs)
ORDER BY pair_id;
