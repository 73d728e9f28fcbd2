-- One audit's estimates (audit_estimates_arrow), after delete_audit_estimates.sql.
INSERT INTO audit_estimates
SELECT $audit_id, source, metric, value, low, high, labels, $now FROM audit_estimates_arrow;
