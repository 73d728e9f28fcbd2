-- What the LLM judge looks at this run, best first, within the item budget:
--   above_threshold  interactions whose badness without LLM judges is at or above $min_badness
--   silent_sample    a deterministic sample of interactions with no signal and no rule verdict,
--                    to catch the failures nobody complained about
--   retry_failed     items whose last call failed (any run): judged again
-- The cache: anything this judge, model and prompt version already decided (or could
-- not parse) is not asked again.
CREATE OR REPLACE TEMP TABLE llm_todo AS
WITH done AS (
    SELECT DISTINCT interaction_id FROM judgments
    WHERE judge = $judge AND model = $model AND prompt_version = $prompt_version
      AND (verdict IS NOT NULL OR error LIKE 'parse_error%')
),
failed AS (
    SELECT DISTINCT interaction_id FROM judgments
    WHERE judge = $judge AND model = $model AND prompt_version = $prompt_version
      AND verdict IS NULL AND error NOT LIKE 'parse_error%'
),
picked AS (
    SELECT interaction_id, 0 AS tier, 'above_threshold' AS reason, base_badness
    FROM case_scores WHERE base_badness >= $min_badness
    UNION ALL
    SELECT interaction_id, 1, 'silent_sample', 0
    FROM case_scores
    WHERE len(signals) = 0 AND base_badness = 0
      AND hash(interaction_id, $seed) % 1000000 < $silent_rate * 1000000
    UNION ALL
    SELECT interaction_id, 2, 'retry_failed', NULL FROM failed
),
best AS (
    SELECT interaction_id, min(tier) AS tier, arg_min(reason, tier) AS reason,
        max(base_badness) AS base_badness
    FROM picked GROUP BY interaction_id
)
SELECT b.*, d.interaction_id IS NOT NULL AS cached
FROM best b LEFT JOIN done d USING (interaction_id);
