-- The audit and its strata sizes (the estimator's weights).
INSERT INTO audits
SELECT $audit_id, $per_stratum,
    (SELECT json_group_object(stratum, n)
     FROM (SELECT stratum, count(*) AS n FROM audit_population GROUP BY stratum ORDER BY stratum)),
    (SELECT count(*) FROM audit_items WHERE audit_id = $audit_id),
    $seed, $now;
