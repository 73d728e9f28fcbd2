-- Per night and scene: traffic and bad-case rate.
SELECT CAST(i.ts AT TIME ZONE 'UTC' AS DATE) AS night, coalesce(i.scene, '(none)') AS scene,
    count(*) AS interactions, count(b.case_id) AS bad_cases,
    round(count(b.case_id) / count(*), 6) AS bad_case_rate
FROM interactions i
LEFT JOIN bad_cases b ON b.interaction_id = i.interaction_id
GROUP BY ALL
ORDER BY 1, 2;
