-- The estimates of the most recently estimated audit, the miner ('*') first.
WITH latest AS (
    SELECT audit_id FROM audit_estimates ORDER BY estimated_at DESC, audit_id DESC LIMIT 1
)
SELECT e.audit_id, e.source, e.metric, e.value, e.low, e.high, e.labels
FROM audit_estimates e SEMI JOIN latest USING (audit_id)
ORDER BY e.source <> '*', e.source, e.metric;
