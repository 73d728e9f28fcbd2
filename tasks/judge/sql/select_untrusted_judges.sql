-- Judges whose kappa against people is below the threshold on enough labels,
-- overall (scene '*') or in one scene, as 'judge|model|prompt_version|scene'.
SELECT concat_ws('|', judge, model, prompt_version, scene)
FROM judge_agreement
WHERE labels >= $min_labels AND kappa < $min_kappa
ORDER BY 1;
