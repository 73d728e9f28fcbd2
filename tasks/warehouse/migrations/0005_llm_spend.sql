-- LLM spend per endpoint (base URL#model), one row per stage of a run, for the rolling
-- 24-hour ceiling across runs (issue 18, item 8; tasks/llm/spend.py).
CREATE TABLE llm_spend (
    endpoint          VARCHAR NOT NULL,
    run_id            VARCHAR NOT NULL,
    stage             VARCHAR NOT NULL,
    requests          BIGINT NOT NULL,
    prompt_tokens     BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    estimated_tokens  BIGINT NOT NULL,     -- of the tokens, estimated (no usage from the server)
    recorded_at       TIMESTAMPTZ NOT NULL
);
