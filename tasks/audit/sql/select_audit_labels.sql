-- The labelled items of one audit: stratum, the miner's output when drawn, the label.
SELECT ai.interaction_id, ai.stratum, ai.mined, ai.sources, q.label = 'bad' AS bad
FROM audit_items ai JOIN review_queue q USING (item_id)
WHERE ai.audit_id = $audit_id AND q.status = 'done' AND q.label IS NOT NULL
ORDER BY ai.item_id;
