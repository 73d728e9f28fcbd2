-- Send a deterministic share of one judge's decided items to people, blind
-- (the verdict is stored for the kappa but never exported). Idempotent: an item
-- already queued is not queued again, so re-runs and resumed runs agree.
INSERT INTO review_queue
SELECT item_id, 'judge_calibration', interaction_id, NULL, NULL, scene, 'calibration_sample',
    judge, model, prompt_version, verdict, NULL, NULL, 'pending',
    NULL, NULL, NULL, NULL, NULL, NULL, $run_id, $now
FROM (
    SELECT 'rq-' || left(md5(concat_ws('|', 'judge_calibration', j.interaction_id, j.judge,
                                       j.model, j.prompt_version)), 16) AS item_id,
        j.interaction_id, i.scene, j.judge, j.model, j.prompt_version, j.verdict
    FROM judgments j JOIN interactions i USING (interaction_id)
    WHERE j.judge = $judge AND j.model = $model AND j.prompt_version = $prompt_version
      AND j.verdict IS NOT NULL
      AND hash(j.interaction_id, 'calibration') % 1000000 < $share * 1000000
) c
WHERE item_id NOT IN (SELECT item_id FROM review_queue);
