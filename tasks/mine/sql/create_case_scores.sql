-- Score every interaction of the conversations in mine_scope (temp table case_scores).
--
--   user_cost  = sum over user acts of the strongest weighted signal of the act, minus
--                the positive acts, >= 0 (create_interaction_costs.sql).
--                Positive acts offset implicit negatives only, never a judge's finding.
--   deviation  = the strongest judge evidence (0..1): a rule's severity, or an LLM
--                judge's "bad" verdict as (10 - score) / 9. An LLM judge whose agreement
--                with people fell below the threshold, overall or in the scene
--                ($untrusted_llm), counts only beside other evidence, never alone.
--   family     = the same answer given in the same scene to other users: its
--                smoothed complaint rate says how bad that answer is for everyone
--   badness    = noisy-or of min(user_cost * trust, 1), deviation and family evidence,
--                where trust discounts a lone complaint about an answer most users accept
--   base_badness = the same without LLM judges (what selects items for LLM judging)
--   cleared    = a trusted LLM judge found the answer good or acceptable (and no trusted
--                judge found it bad): badness resting on signals, rules and the family is
--                cleared (badness 0). Where explicit negative feedback ($explicit_signals:
--                thumbs down, low rating, correction, edit, ...) disagrees, the case is
--                disputed instead: badness 0 here, queued for people (queue_disputed_cases.sql)
--                until a person's label settles it (bad: mined as usual; fine: cleared).
--                An untrusted judge neither adds nor clears alone.
--   judged_badness = the badness before any clearing (what a dispute is about)
CREATE OR REPLACE TEMP TABLE case_scores AS
WITH cost AS (
    -- user cost and signals of the interactions being mined (create_interaction_costs.sql)
    SELECT interaction_id, user_cost, signals FROM interaction_costs
),
answers AS (
    -- family = hash(coalesce(scene, ''), response_content) and every interaction's user
    -- cost, both kept in interaction_turns (one narrow scan, no signal read again), the
    -- cost computed just now where there is one
    SELECT t.interaction_id, t.conversation_id, t.family,
        coalesce(c.user_cost, t.user_cost) AS user_cost
    FROM interaction_turns t LEFT JOIN cost c USING (interaction_id)
),
families AS (
    SELECT family, count(*) AS members,
        count(*) FILTER (WHERE user_cost >= $complaint_cost) AS complaints
    FROM answers GROUP BY family
),
base AS (
    SELECT sum(complaints) / greatest(sum(members), 1) AS rate FROM families
),
fam AS (
    SELECT f.family, f.members,
        (f.complaints + $family_prior * b.rate) / (f.members + $family_prior) AS rate
    FROM families f, base b
),
judged AS (
    SELECT jd.interaction_id, jd.judge, jd.score,
        jd.judge LIKE 'llm:%' AS is_llm,
        -- untrusted overall ('*') or in this scene: see tasks/judge/calibration.py
        list_contains($untrusted_llm, concat_ws('|', jd.judge, jd.model, jd.prompt_version, '*'))
        OR list_contains($untrusted_llm,
            concat_ws('|', jd.judge, jd.model, jd.prompt_version, coalesce(i.scene, ''))) AS untrusted
    FROM judgments jd
    JOIN interactions i USING (interaction_id)
    SEMI JOIN mine_scope USING (conversation_id)
    WHERE jd.verdict = 'bad' AND i.ts >= getvariable('mine_since')
),
j AS (
    SELECT interaction_id,
        max(score) FILTER (WHERE NOT is_llm) AS rule_deviation,
        max((10 - score) / 9) FILTER (WHERE is_llm AND NOT untrusted) AS llm_trusted,
        max((10 - score) / 9) FILTER (WHERE is_llm AND untrusted) AS llm_untrusted,
        list_sort(list_distinct(list(judge))) AS judges
    FROM judged
    GROUP BY interaction_id
),
scored AS (
    SELECT a.interaction_id, a.conversation_id, i.scene, t.answer_chars,
        a.user_cost,
        coalesce(c.signals, []) AS signals,
        coalesce(j.judges, []) AS judges,
        coalesce(j.rule_deviation, 0) AS rule_deviation,
        coalesce(j.llm_trusted, 0) AS llm_trusted,
        coalesce(j.llm_untrusted, 0) AS llm_untrusted,
        CASE WHEN fam.members >= $min_family_size
             THEN least(greatest((fam.rate - $family_rate_low) / ($family_rate_high - $family_rate_low), 0), 1)
             ELSE 0 END AS family_evidence,
        CASE WHEN fam.members >= $min_family_size
             THEN $accepted_answer_trust + (1 - $accepted_answer_trust)
                  * least(greatest((fam.rate - $family_rate_low) / ($family_rate_high - $family_rate_low), 0), 1)
             ELSE 1 END AS trust,
        -- the request's opening (interaction_turns): a correction points back, see
        -- insert_bad_cases.sql
        t.opening AS last_opening
    FROM answers a
    JOIN interactions i USING (interaction_id)
    JOIN (SELECT interaction_id, opening, answer_chars FROM interaction_turns
          WHERE ts >= getvariable('mine_since')) t USING (interaction_id)
    JOIN fam USING (family)
    LEFT JOIN cost c USING (interaction_id)
    LEFT JOIN j USING (interaction_id)
    WHERE a.conversation_id IN (SELECT conversation_id FROM mine_scope)
      AND i.ts >= getvariable('mine_since')
),
based AS (
    SELECT *,
        1 - (1 - least(user_cost * trust, 1)) * (1 - rule_deviation) * (1 - family_evidence) AS base_badness
    FROM scored
),
final AS (
    SELECT *,
        greatest(rule_deviation, llm_trusted,
                 CASE WHEN base_badness > 0 THEN llm_untrusted ELSE 0 END) AS deviation,
        -- a correction turn ("no, that's wrong") is not what was asked: the bad case's
        -- request is the user turn before it (taken from the messages of bad cases only)
        opens_with_any(last_opening, $correction_prefixes) AS asks_again
    FROM based
)
,
-- a trusted LLM judge's good or acceptable verdict (never an untrusted one's)
trusted_fine AS (
    SELECT jd.interaction_id,
        arg_max(jd.judge || '|' || jd.model || '|' || jd.prompt_version, jd.judged_at) AS judge_key
    FROM judgments jd
    JOIN interactions i USING (interaction_id)
    SEMI JOIN mine_scope USING (conversation_id)
    WHERE i.ts >= getvariable('mine_since') AND $judge_clears AND jd.judge LIKE 'llm:%' AND jd.verdict IN ('good', 'acceptable')
      AND NOT list_contains($untrusted_llm, concat_ws('|', jd.judge, jd.model, jd.prompt_version, '*'))
      AND NOT list_contains($untrusted_llm,
            concat_ws('|', jd.judge, jd.model, jd.prompt_version, coalesce(i.scene, '')))
    GROUP BY jd.interaction_id
),
explicit AS (
    SELECT DISTINCT interaction_id FROM signals
    WHERE polarity = 'negative' AND list_contains($explicit_signals, signal)
),
-- a person's latest label on the answer (calibration items: disputes are settled here)
human AS (
    SELECT interaction_id, arg_max(label, reviewed_at) AS label
    FROM review_queue
    WHERE kind = 'judge_calibration' AND status = 'done' AND label IS NOT NULL
    GROUP BY interaction_id
),
judged_final AS (
    SELECT f.*,
        1 - (1 - least(f.user_cost * f.trust, 1)) * (1 - f.deviation) * (1 - f.family_evidence)
            AS judged_badness,
        t.judge_key AS cleared_by,
        t.judge_key IS NOT NULL AND f.llm_trusted = 0 AND coalesce(h.label, '') <> 'bad' AS fine,
        x.interaction_id IS NOT NULL AS explicit_negative,
        h.label AS human_label
    FROM final f
    LEFT JOIN trusted_fine t USING (interaction_id)
    LEFT JOIN explicit x USING (interaction_id)
    LEFT JOIN human h USING (interaction_id)
)
SELECT * EXCLUDE (last_opening, fine, explicit_negative, human_label),
    CASE WHEN fine THEN 0 ELSE judged_badness END AS badness,
    fine AND (NOT explicit_negative OR human_label IS NOT NULL) AS cleared,
    fine AND explicit_negative AND human_label IS NULL AS disputed
FROM judged_final;
