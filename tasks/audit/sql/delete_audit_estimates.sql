DELETE FROM audit_estimates WHERE audit_id = $audit_id;
