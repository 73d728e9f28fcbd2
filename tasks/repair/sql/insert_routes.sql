-- Route every bad case that has no route yet; the first rule that matches wins:
--   drop          no_request (nothing was asked to answer), excluded_scene
--   kto_only      weak_evidence (badness below min_badness_to_repair: a negative, not worth a
--                 repair), cluster_quota (the cluster already has max_cases_per_cluster repairs
--                 routed: more of the same pattern teaches little)
--   human_review  high_risk_scene (health, legal, finance by default), no_llm
--   llm_rewrite   llm_repairable, highest priority first within max_llm_rewrites per run;
--                 beyond it $over_budget (kto_only or human_review) with reason rewrite_budget
-- A case that would be kto_only but rests on no solid evidence (only $unreliable_signals:
-- no other negative signal, no judge's bad verdict) is drop|unreliable_evidence instead:
-- an unpaired negative is trained on as it is, with no repair to confirm it.
INSERT INTO routes
WITH fresh AS (
    SELECT b.case_id, b.interaction_id, b.cluster_id, b.scene, b.request, b.badness, b.priority,
        len(b.judges) > 0
            OR len([s FOR s IN b.signals IF NOT list_contains($positive_signals, s)
                                         AND NOT list_contains($unreliable_signals, s)]) > 0
            AS solid
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
chosen AS (
    SELECT *, coalesce(decided, CASE WHEN budget_rank > $max_llm_rewrites
                                     THEN $over_budget || '|rewrite_budget'
                                     ELSE 'llm_rewrite|llm_repairable' END) AS d0
    FROM budget
),
final AS (
    SELECT *, CASE WHEN d0 LIKE 'kto_only|%' AND NOT solid THEN 'drop|unreliable_evidence'
                   ELSE d0 END AS d
    FROM chosen
)
SELECT case_id, interaction_id, cluster_id, scene, split_part(d, '|', 1), split_part(d, '|', 2),
    $policy_version, $run_id, $now
FROM final;
