-- Route every bad case that has no route yet; the first rule that matches wins:
--   drop          no_request (nothing was asked to answer), excluded_scene
--   kto_only      weak_evidence (badness below min_badness_to_repair: a negative, not worth a
--                 repair), cluster_quota (the cluster already has max_cases_per_cluster repairs
--                 routed: more of the same pattern teaches little)
--   human_review  high_risk_scene (health, legal, finance by default), no_llm
--   llm_rewrite   llm_repairable, highest priority first within max_llm_rewrites per run;
--                 beyond it $over_budget (kto_only or human_review) with reason rewrite_budget
INSERT INTO routes
WITH fresh AS (
    SELECT b.case_id, b.interaction_id, b.cluster_id, b.scene, b.request, b.badness, b.priority
    FROM bad_cases b ANTI JOIN routes r USING (case_id)
),
taken AS (
    SELECT cluster_id, count(*) AS n FROM routes
    WHERE route IN ('llm_rewrite', 'human_review') GROUP BY cluster_id
),
early AS (
    SELECT f.*,
        CASE
            WHEN f.request IS NULL OR trim(f.request) = '' THEN 'drop|no_request'
            WHEN list_contains($drop_scenes, coalesce(f.scene, '')) THEN 'drop|excluded_scene'
            WHEN f.badness < $min_badness_to_repair THEN 'kto_only|weak_evidence'
        END AS decided
    FROM fresh f
),
ranked AS (
    SELECT e.*, coalesce(t.n, 0) + row_number() OVER (
            PARTITION BY e.cluster_id, e.decided IS NULL
            ORDER BY e.priority DESC NULLS LAST, e.case_id) AS cluster_rank
    FROM early e LEFT JOIN taken t USING (cluster_id)
),
policy AS (
    SELECT * REPLACE (coalesce(decided, CASE
            WHEN cluster_rank > $max_cases_per_cluster THEN 'kto_only|cluster_quota'
            WHEN list_contains($human_scenes, coalesce(scene, '')) THEN 'human_review|high_risk_scene'
            WHEN NOT $llm_available THEN 'human_review|no_llm'
        END) AS decided)
    FROM ranked
),
budget AS (
    SELECT *, row_number() OVER (
            PARTITION BY decided IS NULL ORDER BY priority DESC NULLS LAST, case_id) AS budget_rank
    FROM policy
),
final AS (
    SELECT *, coalesce(decided, CASE WHEN budget_rank > $max_llm_rewrites
                                     THEN $over_budget || '|rewrite_budget'
                                     ELSE 'llm_rewrite|llm_repairable' END) AS d
    FROM budget
)
SELECT case_id, interaction_id, cluster_id, scene, split_part(d, '|', 1), split_part(d, '|', 2),
    $policy_version, $run_id, $now
FROM final;
