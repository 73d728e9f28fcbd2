UPDATE routes r SET route = 'drop', reason = 'expert_found_acceptable',
    run_id = $run_id, routed_at = $now
FROM review_queue q
WHERE q.case_id = r.case_id AND q.kind = 'expert_repair' AND q.status = 'done'
  AND q.rewrite IS NULL AND r.route <> 'drop';
