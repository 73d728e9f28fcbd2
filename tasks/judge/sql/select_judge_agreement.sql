SELECT judge, model, prompt_version, scene, labels, agreement, kappa
FROM judge_agreement
ORDER BY judge, model, prompt_version, scene = '*' DESC, scene;
