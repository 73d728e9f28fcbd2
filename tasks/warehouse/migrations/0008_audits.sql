-- Audits (issue 16; tasks/audit/audit.py, badcase-loop audit): a blind stratified sample
-- of interactions people label, and the precision / recall estimates their labels give,
-- per signal, rule and judge.
CREATE TABLE audits (
    audit_id     VARCHAR NOT NULL,        -- au-<hash of time and settings>
    per_stratum  BIGINT NOT NULL,         -- items drawn per stratum
    strata       JSON NOT NULL,           -- stratum -> interactions in it when drawn
    items        BIGINT NOT NULL,
    seed         BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE audit_items (
    audit_id       VARCHAR NOT NULL,
    item_id        VARCHAR NOT NULL,      -- the review_queue item (kind audit)
    interaction_id VARCHAR NOT NULL,
    stratum        VARCHAR NOT NULL,      -- mined:<source> | not_mined:<source> | not_mined:none
    mined          BOOLEAN NOT NULL,      -- the miner's output when drawn (never exported)
    sources        VARCHAR[] NOT NULL     -- negative signals and judges' bad verdicts that fired
);

CREATE TABLE audit_estimates (
    audit_id     VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,        -- '*' (the miner), a signal, rule:<name> or llm:<name>
    metric       VARCHAR NOT NULL,        -- precision | recall | bad_rate
    value        DOUBLE,                  -- stratified estimate; NULL when nothing to estimate
    low          DOUBLE,                  -- 95% stratified bootstrap interval
    high         DOUBLE,
    labels       BIGINT NOT NULL,         -- labelled items behind it
    estimated_at TIMESTAMPTZ NOT NULL
);

