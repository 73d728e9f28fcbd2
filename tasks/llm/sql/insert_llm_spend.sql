INSERT INTO llm_spend VALUES (
    $endpoint, $run_id, $stage, $requests, $prompt_tokens, $completion_tokens,
    $estimated_tokens, $now);
