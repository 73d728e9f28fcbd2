-- Pending review items with what a reviewer needs: the context, the answer, the
-- signals, and (expert items only) the judge's rationale and an LLM draft.
-- Calibration items are blind: no verdict, no rationale; audit items also no signals.
SELECT q.item_id, q.kind, q.reason, q.scene, q.interaction_id, q.case_id, q.cluster_id,
    [{'role': m.role, 'content': m.content} FOR m IN i.messages] AS context,
    i.response_content AS original_answer,
    -- audit items are blind to everything the miner said
    CASE WHEN q.kind = 'audit' THEN [] ELSE coalesce(s.signals, []) END AS signals,
    CASE WHEN q.kind = 'judge_calibration' THEN NULL ELSE q.judge_rationale END AS judge_rationale,
    q.draft
FROM review_queue q
JOIN interactions i USING (interaction_id)
LEFT JOIN (
    SELECT interaction_id, list_sort(list_distinct(list(signal))) AS signals
    FROM signals GROUP BY interaction_id
) s USING (interaction_id)
WHERE q.status = 'pending' AND list_contains($kinds, q.kind)
ORDER BY q.kind, q.queued_at, q.item_id;
