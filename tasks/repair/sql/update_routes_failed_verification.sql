-- Rewrites that did not pass verification send their case to people, with the reason.
UPDATE routes r SET route = 'human_review', reason = 'failed_verification',
    run_id = $run_id, routed_at = $now
FROM rewrites w
WHERE w.case_id = r.case_id AND r.route = 'llm_rewrite'
  AND w.source = 'llm' AND w.verification = 'rejected'
  AND r.case_id NOT IN (SELECT case_id FROM rewrites WHERE verification = 'chosen');
