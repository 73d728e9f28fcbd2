-- KTO rows (prompt, completion, label): both sides of every pair the version holds; bad
-- cases kept as unpaired negatives (kto_only); and, as desirable examples, interactions
-- users were plainly served by (a positive signal, no negative one, no bad verdict), a
-- deterministic sample of at most $desirable_ratio per undesirable row in each scene, so
-- composition's scene mix holds for KTO too.
-- evidence: what an undesirable row rests on, strongest first (verified_repair, rule,
-- llm_judge, explicit_feedback, implicit_signal, unreliable_signal); the suite bounds the
-- share of each. A kto_only negative resting only on $unreliable_signals is left out
-- (its route may predate the audit that found the signal unreliable).
WITH pairs AS (
    SELECT prompt, chosen AS completion, true AS label, pair_id AS source_id, scene,
        'verified_repair' AS evidence
    FROM preference_pairs WHERE status = 'eligible'
    UNION ALL
    SELECT prompt, rejected, false, pair_id, scene, 'verified_repair'
    FROM preference_pairs WHERE status = 'eligible'
),
bad_verdicts AS (
    SELECT interaction_id, bool_or(judge LIKE 'rule:%') AS rule, bool_or(judge LIKE 'llm:%') AS llm
    FROM judgments WHERE verdict = 'bad' GROUP BY interaction_id
),
negative_signals AS (
    SELECT interaction_id,
        bool_or(list_contains($explicit_signals, signal)) AS explicit,
        bool_or(NOT list_contains($unreliable_signals, signal)) AS solid
    FROM signals WHERE polarity = 'negative' GROUP BY interaction_id
),
kto_cases AS (
    SELECT [{'role': m.role, 'content': m.content} FOR m IN i.messages
            IF m.role IN ('system', 'user', 'assistant') AND m.content IS NOT NULL] AS prompt,
        [{'role': 'assistant', 'content': i.response_content}] AS completion,
        false AS label, r.case_id AS source_id, i.scene,
        CASE WHEN v.rule THEN 'rule'
             WHEN v.llm THEN 'llm_judge'
             WHEN s.explicit THEN 'explicit_feedback'
             WHEN s.solid THEN 'implicit_signal'
             ELSE 'unreliable_signal' END AS evidence
    FROM routes r JOIN interactions i USING (interaction_id)
    LEFT JOIN bad_verdicts v USING (interaction_id)
    LEFT JOIN negative_signals s USING (interaction_id)
    WHERE r.route = 'kto_only'
),
labelled AS (
    SELECT * FROM pairs
    UNION ALL
    SELECT * FROM kto_cases WHERE evidence <> 'unreliable_signal'
),
served AS (
    SELECT interaction_id FROM signals GROUP BY interaction_id
    HAVING bool_and(polarity = 'positive')
),
cap AS (
    SELECT scene, greatest(round(count(*) FILTER (WHERE NOT label) * $desirable_ratio)
                           - count(*) FILTER (WHERE label), 0) AS n
    FROM labelled GROUP BY scene
),
ranked AS (
    SELECT [{'role': m.role, 'content': m.content} FOR m IN i.messages
            IF m.role IN ('system', 'user', 'assistant') AND m.content IS NOT NULL] AS prompt,
        [{'role': 'assistant', 'content': i.response_content}] AS completion,
        true AS label, i.interaction_id AS source_id, i.scene, 'positive_signal' AS evidence,
        row_number() OVER (PARTITION BY i.scene ORDER BY hash(i.interaction_id), i.interaction_id)
            AS rn
    FROM served s JOIN interactions i USING (interaction_id)
    WHERE i.interaction_id NOT IN (SELECT interaction_id FROM bad_cases)
      AND i.interaction_id NOT IN (SELECT interaction_id FROM judgments WHERE verdict = 'bad')
),
positives AS (
    SELECT r.prompt, r.completion, r.label, r.source_id, r.scene, r.evidence
    FROM ranked r JOIN cap c ON c.scene IS NOT DISTINCT FROM r.scene
    WHERE r.rn <= c.n
)
SELECT prompt, completion, label, scene, evidence
FROM (SELECT * FROM labelled UNION ALL SELECT * FROM positives)
ORDER BY label, source_id;
