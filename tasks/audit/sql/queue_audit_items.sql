-- One blind review item per drawn interaction: no stratum, no signals, no verdict
-- (the reason is the same for every item).
INSERT INTO review_queue
SELECT a.item_id, 'audit', a.interaction_id, NULL, NULL, i.scene, 'audit_sample',
    NULL, NULL, NULL, NULL, NULL, NULL, 'pending',
    NULL, NULL, NULL, NULL, NULL, NULL, $audit_id, $now
FROM audit_items a JOIN interactions i USING (interaction_id)
WHERE a.audit_id = $audit_id AND a.item_id NOT IN (SELECT item_id FROM review_queue)
ORDER BY a.item_id;
