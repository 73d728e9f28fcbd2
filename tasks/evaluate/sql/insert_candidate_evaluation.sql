INSERT INTO candidate_evaluations VALUES (
    $evaluation_id, $candidate, $evalset, $eval_hash, $items, $judged, $fix_rate, $low, $high,
    $regression_rate, $reference_rate, $decision, $reasons, $clusters, $categories, $now);
