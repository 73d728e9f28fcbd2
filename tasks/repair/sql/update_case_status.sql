-- Each bad case's status from where it is in the repair: repaired (a chosen rewrite),
-- dropped, kto_only, in_review (waiting for people), routed (waiting for the rewriter), new.
UPDATE bad_cases b SET status = s.status
FROM (
    SELECT b.case_id,
        CASE WHEN w.case_id IS NOT NULL THEN 'repaired'
             WHEN r.route = 'drop' THEN 'dropped'
             WHEN r.route = 'kto_only' THEN 'kto_only'
             WHEN q.case_id IS NOT NULL THEN 'in_review'
             WHEN r.route IS NOT NULL THEN 'routed'
             ELSE 'new' END AS status
    FROM bad_cases b
    LEFT JOIN routes r USING (case_id)
    LEFT JOIN (SELECT DISTINCT case_id FROM rewrites WHERE verification = 'chosen') w USING (case_id)
    LEFT JOIN (SELECT DISTINCT case_id FROM review_queue
               WHERE kind = 'expert_repair' AND status = 'pending') q USING (case_id)
) s
WHERE b.case_id = s.case_id AND b.status IS DISTINCT FROM s.status;
