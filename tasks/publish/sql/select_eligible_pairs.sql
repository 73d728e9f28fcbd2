SELECT prompt, chosen, rejected, pair_id, case_id, interaction_id, cluster_id, scene, category,
    rewrite_source, near_miss, badness, chosen_chars, rejected_chars, signals, judges,
    llm_verdict, llm_score, first_version
FROM preference_pairs WHERE status = 'eligible' ORDER BY pair_id;
