-- For each signal and judge: how many interactions it fired on, and the share truly bad.
WITH fired AS (
    SELECT DISTINCT interaction_id, signal AS name FROM signals
    UNION ALL
    SELECT DISTINCT interaction_id, judge FROM judgments WHERE verdict = 'bad'
)
SELECT f.name, count(*) AS fired, avg(g.bad::INTEGER) AS reliability
FROM fired f JOIN ground_truth g USING (interaction_id)
GROUP BY f.name ORDER BY reliability DESC, f.name;
