INSERT INTO preference_pairs
SELECT pair_id, case_id, interaction_id, cluster_id, scene, category, rewrite_id, rewrite_source,
    prompt, chosen, rejected, near_miss, badness,
    length(chosen[1].content), length(rejected[1].content), signals, judges, llm_verdict,
    llm_score, 'eligible', NULL, NULL, NULL, $run_id, $now
FROM new_pairs_arrow;
