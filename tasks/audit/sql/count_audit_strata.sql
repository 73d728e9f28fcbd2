SELECT stratum, count(*) FROM audit_items WHERE audit_id = $audit_id GROUP BY stratum ORDER BY 1;
