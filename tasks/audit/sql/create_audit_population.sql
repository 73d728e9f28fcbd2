-- Every interaction with what the miner said about it: mined or not, and the sources that
-- fired (negative signals, judges' bad verdicts). Its stratum is mined / not mined by its
-- rarest source, so every signal, rule and judge gets items of its own in the sample.
CREATE OR REPLACE TEMP TABLE audit_population AS
WITH fired AS (
    SELECT interaction_id, signal AS source FROM signals WHERE polarity = 'negative'
    UNION
    SELECT interaction_id, judge FROM judgments WHERE verdict = 'bad'
),
freq AS (
    SELECT source, count(DISTINCT interaction_id) AS n FROM fired GROUP BY source
),
per AS (
    SELECT f.interaction_id, list_sort(list_distinct(list(f.source))) AS sources,
        arg_min(f.source, q.n * 1e9 + hash(f.source) % 1000000000) AS rarest
    FROM fired f JOIN freq q USING (source)
    GROUP BY f.interaction_id
),
mined AS (
    SELECT DISTINCT interaction_id FROM bad_cases
)
SELECT i.interaction_id, i.scene,
    m.interaction_id IS NOT NULL AS mined,
    coalesce(p.sources, []::VARCHAR[]) AS sources,
    CASE WHEN m.interaction_id IS NOT NULL THEN 'mined:' ELSE 'not_mined:' END
        || coalesce(p.rarest, 'none') AS stratum
FROM interactions i
LEFT JOIN per p USING (interaction_id)
LEFT JOIN mined m USING (interaction_id);
