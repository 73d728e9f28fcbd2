SELECT q.item_id, q.kind, q.status, q.label, q.rewrite, q.reviewer, i.response_content
FROM review_queue q JOIN interactions i USING (interaction_id)
WHERE q.item_id IN (SELECT unnest($item_ids));
