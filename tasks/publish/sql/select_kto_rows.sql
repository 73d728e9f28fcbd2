-- KTO rows (prompt, completion, label): both sides of every eligible pair; bad cases kept
-- as unpaired negatives (kto_only); and, as desirable examples, interactions users were
-- plainly served by (a positive signal, no negative one, no bad verdict), a deterministic
-- sample of at most $desirable_ratio per undesirable row.
WITH pairs AS (
    SELECT prompt, chosen AS completion, true AS label, pair_id AS source_id FROM preference_pairs
    WHERE status = 'eligible'
    UNION ALL
    SELECT prompt, rejected, false, pair_id FROM preference_pairs WHERE status = 'eligible'
),
negatives AS (
    SELECT [{'role': m.role, 'content': m.content} FOR m IN i.messages
            IF m.role IN ('system', 'user', 'assistant') AND m.content IS NOT NULL] AS prompt,
        [{'role': 'assistant', 'content': i.response_content}] AS completion,
        false AS label, r.case_id AS source_id
    FROM routes r JOIN interactions i USING (interaction_id)
    WHERE r.route = 'kto_only'
),
undesirable AS (
    SELECT count(*) AS n FROM (SELECT label FROM pairs UNION ALL SELECT label FROM negatives)
    WHERE NOT label
),
served AS (
    SELECT interaction_id FROM signals GROUP BY interaction_id
    HAVING bool_and(polarity = 'positive')
),
cap AS (
    SELECT greatest(round(u.n * $desirable_ratio) - (SELECT count(*) FROM pairs WHERE label), 0) AS n
    FROM undesirable u
),
ranked AS (
    SELECT [{'role': m.role, 'content': m.content} FOR m IN i.messages
            IF m.role IN ('system', 'user', 'assistant') AND m.content IS NOT NULL] AS prompt,
        [{'role': 'assistant', 'content': i.response_content}] AS completion,
        true AS label, i.interaction_id AS source_id,
        row_number() OVER (ORDER BY hash(i.interaction_id), i.interaction_id) AS rn
    FROM served s JOIN interactions i USING (interaction_id)
    WHERE i.interaction_id NOT IN (SELECT interaction_id FROM bad_cases)
      AND i.interaction_id NOT IN (SELECT interaction_id FROM judgments WHERE verdict = 'bad')
),
positives AS (
    SELECT prompt, completion, label, source_id FROM ranked, cap WHERE rn <= cap.n
)
SELECT prompt, completion, label FROM (
    SELECT * FROM pairs UNION ALL SELECT * FROM negatives UNION ALL SELECT * FROM positives
)
ORDER BY label, source_id;
