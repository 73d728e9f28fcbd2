"""Stage 5, LLM judges in the RM-R1 style, calibrated against people.

``rubric`` (pointwise: rubric, per-dimension evaluation, verdict) and ``pairwise``
(which of two answers is better, both orders) are prompt + builder + parser;
``llm_judge`` runs the rubric judge over the items that matter within budget;
``calibration`` sends a blind share to people and measures agreement (kappa).
"""
