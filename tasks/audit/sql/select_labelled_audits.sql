-- Audits with at least one labelled item, oldest first.
SELECT a.audit_id, a.strata::VARCHAR
FROM audits a
WHERE a.audit_id IN (
    SELECT ai.audit_id FROM audit_items ai JOIN review_queue q USING (item_id)
    WHERE q.kind = 'audit' AND q.status = 'done' AND q.label IS NOT NULL)
ORDER BY a.created_at, a.audit_id;
