-- Completed expert repairs from the review queue become chosen rewrites (people are
-- the verification); experts who found the original acceptable drop the case.
INSERT INTO rewrites
SELECT 'rw-' || left(md5('human|' || q.item_id), 16), q.case_id, q.interaction_id, q.cluster_id,
    'human', NULL, NULL, q.rewrite, NULL, NULL, NULL, NULL, q.reviewer, 'chosen', 'expert_repair',
    NULL, NULL, NULL, NULL, $run_id, $now, NULL
FROM review_queue q
WHERE q.kind = 'expert_repair' AND q.status = 'done' AND q.rewrite IS NOT NULL
  AND 'rw-' || left(md5('human|' || q.item_id), 16) NOT IN (SELECT rewrite_id FROM rewrites);
