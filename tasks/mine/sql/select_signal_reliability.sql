-- How far each signal and judge can be trusted on this traffic (no ground truth here):
-- of the interactions it fired on, the share that became bad cases, that a verified
-- repair confirmed, and that experts found acceptable after all (false alarms).
WITH fired AS (
    SELECT DISTINCT signal AS source, polarity, interaction_id FROM signals
    UNION
    SELECT DISTINCT judge, 'negative', interaction_id FROM judgments WHERE verdict = 'bad'
),
cases AS (
    SELECT b.interaction_id, b.status, r.reason
    FROM bad_cases b LEFT JOIN routes r USING (case_id)
)
SELECT f.source AS signal_or_judge, f.polarity, count(*) AS fired,
    round(avg((c.interaction_id IS NOT NULL)::INTEGER), 3) AS became_bad_case,
    round(avg((c.status = 'repaired')::INTEGER), 3) AS repair_confirmed,
    round(avg((c.reason = 'expert_found_acceptable')::INTEGER), 3) AS experts_found_fine
FROM fired f LEFT JOIN cases c USING (interaction_id)
GROUP BY f.source, f.polarity
ORDER BY f.polarity, count(*) DESC, f.source;
