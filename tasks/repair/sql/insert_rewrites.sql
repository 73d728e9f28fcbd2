-- LLM rewrites (rewrites_arrow), each replacing an earlier row with the same id
-- (a failed call being retried).
DELETE FROM rewrites WHERE rewrite_id IN (SELECT rewrite_id FROM rewrites_arrow);
INSERT INTO rewrites
SELECT rewrite_id, case_id, interaction_id, cluster_id, 'llm', diagnosis, structure, answer,
    pattern, guided_by, model, prompt_version, NULL, verification, verification_reason,
    pairwise::JSON, rule_failures, error, raw, run_id, created_at, reply_format
FROM rewrites_arrow;
