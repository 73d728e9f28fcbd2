-- Per night (UTC date of the answer): traffic, bad cases and the share of traffic with a
-- negative user signal.
WITH neg AS (SELECT DISTINCT interaction_id FROM signals WHERE polarity = 'negative')
SELECT CAST(i.ts AT TIME ZONE 'UTC' AS DATE) AS night,
    count(*) AS interactions,
    count(b.case_id) AS bad_cases,
    round(count(b.case_id) / count(*), 6) AS bad_case_rate,
    round(count(n.interaction_id) / count(*), 6) AS negative_signal_share
FROM interactions i
LEFT JOIN bad_cases b ON b.interaction_id = i.interaction_id
LEFT JOIN neg n ON n.interaction_id = i.interaction_id
GROUP BY night
ORDER BY night;
