-- Cohen's kappa of each LLM judge (model, prompt version) against people, on the
-- decision that matters to mining: bad vs not bad. Per scene and overall ('*').
-- kappa = (po - pe) / (1 - pe), with pe from both raters' own bad rates.
INSERT INTO judge_agreement
WITH pairs AS (
    SELECT judge, judge_model AS model, judge_prompt_version AS prompt_version,
        coalesce(scene, '') AS scene,
        (judge_verdict = 'bad')::INTEGER AS j, (label = 'bad')::INTEGER AS h
    FROM review_queue
    WHERE kind = 'judge_calibration' AND status = 'done'
      AND judge_verdict IS NOT NULL AND label IS NOT NULL
),
rates AS (
    SELECT judge, model, prompt_version, coalesce(scene, '*') AS scene,
        count(*) AS labels, avg((j = h)::INTEGER) AS po, avg(j) AS pj, avg(h) AS ph
    FROM pairs
    GROUP BY GROUPING SETS ((judge, model, prompt_version, scene), (judge, model, prompt_version))
)
SELECT judge, model, prompt_version, scene, labels, round(po, 6),
    CASE WHEN pj * ph + (1 - pj) * (1 - ph) < 1
         THEN round((po - (pj * ph + (1 - pj) * (1 - ph))) / (1 - (pj * ph + (1 - pj) * (1 - ph))), 6)
    END,
    $now
FROM rates;
