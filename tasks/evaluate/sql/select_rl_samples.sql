-- The policy's settled samples (answered and judged) of these prompts.
SELECT case_id, sample, passed FROM rl_samples
WHERE policy = $policy AND passed IS NOT NULL AND error IS NULL;
