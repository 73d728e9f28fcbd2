-- Disputed cases (case_scores.disputed: a trusted LLM judge says fine, the user's explicit
-- feedback says bad, and it would be a bad case without the judge) go to people as blind
-- judge-calibration items: their label settles the case (create_case_scores.sql) and feeds
-- the judge's kappa. Not a bad case, not training data until then. Idempotent: the item id
-- is the calibration item's, so an item already queued is not queued twice.
INSERT INTO review_queue
SELECT item_id, 'judge_calibration', interaction_id, NULL, NULL, scene, 'disputed',
    judge, model, prompt_version, verdict, NULL, NULL, 'pending',
    NULL, NULL, NULL, NULL, NULL, NULL, $run_id, $now
FROM (
    SELECT 'rq-' || left(md5(concat_ws('|', 'judge_calibration', c.interaction_id, j.judge,
                                       j.model, j.prompt_version)), 16) AS item_id,
        c.interaction_id, c.scene, j.judge, j.model, j.prompt_version, j.verdict
    FROM case_scores c
    JOIN judgments j ON j.interaction_id = c.interaction_id
        AND j.judge || '|' || j.model || '|' || j.prompt_version = c.cleared_by
    WHERE c.disputed AND c.judged_badness >= $badness_threshold
    QUALIFY row_number() OVER (PARTITION BY c.interaction_id ORDER BY j.judged_at DESC) = 1
) d
WHERE item_id NOT IN (SELECT item_id FROM review_queue);
