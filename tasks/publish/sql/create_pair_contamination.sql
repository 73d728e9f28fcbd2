-- Pairs whose prompt overlaps an eval prompt (eval_prompts_arrow): the share of the
-- prompt's character n-grams (normalised text, so Chinese and English alike) that occur
-- in any eval prompt is at least $threshold.
CREATE OR REPLACE TEMP TABLE pair_contamination AS
WITH ev AS (
    SELECT DISTINCT norm_text(text) AS t FROM eval_prompts_arrow
),
eg AS (
    SELECT DISTINCT unnest([substr(t, i, $n) FOR i IN range(1, greatest(length(t) - $n + 2, 2))]) AS g
    FROM ev
),
pt AS (
    SELECT pair_id,
        norm_text(array_to_string([m.content FOR m IN prompt IF m.role = 'user'], ' ')) AS t
    FROM preference_pairs
),
pg AS (
    SELECT DISTINCT pair_id,
        unnest([substr(t, i, $n) FOR i IN range(1, greatest(length(t) - $n + 2, 2))]) AS g
    FROM pt
),
overlap AS (
    SELECT pg.pair_id, count(*) AS grams, count(eg.g) AS hits
    FROM pg LEFT JOIN eg USING (g) GROUP BY pg.pair_id
)
SELECT pair_id, round(hits / grams, 4) AS overlap FROM overlap WHERE hits / grams >= $threshold;
