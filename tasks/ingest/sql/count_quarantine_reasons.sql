-- Record-level quarantine counts of one run, by reason.
SELECT reason, count(*) AS n
FROM quarantine
WHERE run_id = $run_id AND line_no IS NOT NULL
GROUP BY reason
ORDER BY reason;
