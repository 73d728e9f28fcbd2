SELECT judge || ' (' || model || ')' AS judge, kappa
FROM judge_agreement WHERE scene = '*' AND labels >= $min_labels AND kappa IS NOT NULL;
