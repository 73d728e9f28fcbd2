-- The warehouse tables owned by ingestion and run bookkeeping. Names and
-- columns are a public interface (DESIGN.md, "Warehouse contract").

CREATE TABLE IF NOT EXISTS ingested_files (
    path             VARCHAR NOT NULL,    -- absolute path of the landed file
    kind             VARCHAR NOT NULL,    -- interactions | events
    format           VARCHAR NOT NULL,    -- jsonl | jsonl.gz | parquet
    dt               DATE,                -- from the dt=YYYY-MM-DD partition
    size_bytes       BIGINT NOT NULL,
    mtime            TIMESTAMPTZ NOT NULL,
    sha256           VARCHAR NOT NULL,
    status           VARCHAR NOT NULL,    -- ingested | empty_file | unreadable_file | duplicate_file
    parse_path       VARCHAR,             -- fast (typed reader) | careful (line by line)
    rows_read        BIGINT NOT NULL,
    rows_inserted    BIGINT NOT NULL,
    rows_duplicate   BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    run_id           VARCHAR NOT NULL,
    ingested_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS interactions (
    interaction_id    VARCHAR NOT NULL,
    conversation_id   VARCHAR NOT NULL,
    turn_index        INTEGER NOT NULL,
    ts                TIMESTAMPTZ NOT NULL,
    user_id           VARCHAR NOT NULL,
    scene             VARCHAR,
    model             VARCHAR NOT NULL,
    messages          STRUCT(role VARCHAR, content VARCHAR, "name" VARCHAR, tool_call_id VARCHAR, tool_calls JSON)[] NOT NULL,
    response_content  VARCHAR NOT NULL,
    finish_reason     VARCHAR,
    latency_ms        BIGINT,
    prompt_tokens     BIGINT,
    completion_tokens BIGINT,
    metadata          JSON,
    dt                DATE,
    source_file       VARCHAR NOT NULL,
    run_id            VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS events (
    event_id        VARCHAR NOT NULL,
    interaction_id  VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    "type"          VARCHAR NOT NULL,
    "value"         VARCHAR,             -- edited text, rating 1-5 as text, comment text, else NULL
    dt              DATE,
    source_file     VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS quarantine (
    run_id         VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,      -- interactions | events
    source_file    VARCHAR NOT NULL,
    line_no        BIGINT,                -- 1-based line (JSONL) or row (Parquet); NULL for a whole file
    reason         VARCHAR NOT NULL,      -- stable snake_case label, see README "Quarantine reasons"
    detail         VARCHAR,
    record_id      VARCHAR,               -- interaction_id / event_id when it could be read
    raw            VARCHAR,               -- the record's text, truncated
    raw_bytes      BIGINT,                -- size of the whole record
    quarantined_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
    run_id       VARCHAR NOT NULL,
    flow_run_id  VARCHAR,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    status       VARCHAR NOT NULL,        -- running | completed | failed
    landing      VARCHAR,
    warehouse    VARCHAR,
    datasets     VARCHAR,
    config_hash  VARCHAR,
    config       JSON,
    summary      JSON,
    error        VARCHAR
);

-- Mining (signals, rule judges, bad cases). See tasks/mine/signals.py, tasks/mine/rules.py, tasks/mine/mine.py.

CREATE TABLE IF NOT EXISTS signals (
    interaction_id  VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    signal          VARCHAR NOT NULL,     -- regenerate | retry | rephrase | correction | edit | ...
    polarity        VARCHAR NOT NULL,     -- negative | positive
    strength        DOUBLE NOT NULL,      -- 0..1
    evidence        JSON,
    run_id          VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS judgments (
    interaction_id VARCHAR NOT NULL,
    judge          VARCHAR NOT NULL,      -- rule:<name> | llm:<name>
    verdict        VARCHAR,               -- bad | acceptable | good; NULL when the judge could not decide
    score          DOUBLE,                -- severity 0..1 for rules
    evidence       JSON,
    model          VARCHAR,               -- 'rules' for rule judges
    prompt_version VARCHAR,               -- rule set version for rule judges
    error          VARCHAR,
    run_id         VARCHAR NOT NULL,
    judged_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS bad_cases (
    case_id         VARCHAR NOT NULL,
    interaction_id  VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    cluster_id      VARCHAR,
    scene           VARCHAR,
    request         VARCHAR,              -- what was asked (a correction turn points back to the request)
    signals         VARCHAR[],
    judges          VARCHAR[],
    user_cost       DOUBLE NOT NULL,
    deviation       DOUBLE NOT NULL,
    badness         DOUBLE NOT NULL,
    priority        DOUBLE,
    near_miss       BOOLEAN NOT NULL,
    status          VARCHAR NOT NULL,     -- new | routed | repaired | dropped
    run_id          VARCHAR NOT NULL
);

-- Internal bookkeeping: what each conversation looked like when it was last mined.
CREATE TABLE IF NOT EXISTS mined_conversations (
    conversation_id VARCHAR NOT NULL,
    interactions    BIGINT NOT NULL,
    events          BIGINT NOT NULL,
    settled         BOOLEAN NOT NULL,     -- quiet long enough that abandonment could be judged
    run_id          VARCHAR NOT NULL
);

-- The human queue (tasks/repair/review.py): blind judge-calibration labels and expert repairs.
-- Reviewers see the context, the answer and the signals; for calibration items never
-- the judge's verdict.
CREATE TABLE IF NOT EXISTS review_queue (
    item_id              VARCHAR NOT NULL,  -- rq-<hash of kind, interaction and judge>
    kind                 VARCHAR NOT NULL,  -- judge_calibration | expert_repair
    interaction_id       VARCHAR NOT NULL,
    case_id              VARCHAR,
    cluster_id           VARCHAR,
    scene                VARCHAR,
    reason               VARCHAR NOT NULL,  -- why it is queued (stable snake_case label)
    judge                VARCHAR,
    judge_model          VARCHAR,
    judge_prompt_version VARCHAR,
    judge_verdict        VARCHAR,           -- hidden from reviewers of calibration items
    judge_rationale      VARCHAR,
    draft                VARCHAR,           -- an LLM rewrite for the expert to start from
    status               VARCHAR NOT NULL,  -- pending | done
    label                VARCHAR,           -- the reviewer's verdict: bad | acceptable | good
    rewrite              VARCHAR,           -- the reviewer's repaired answer
    reviewer             VARCHAR,
    reviewed_at          TIMESTAMPTZ,
    notes                VARCHAR,
    import_file          VARCHAR,
    queued_run_id        VARCHAR NOT NULL,
    queued_at            TIMESTAMPTZ NOT NULL
);

-- Judge-vs-human agreement (Cohen's kappa on bad vs not bad), per scene and overall ('*').
CREATE TABLE IF NOT EXISTS judge_agreement (
    judge          VARCHAR NOT NULL,
    model          VARCHAR NOT NULL,
    prompt_version VARCHAR NOT NULL,
    scene          VARCHAR NOT NULL,      -- '*' for all scenes
    labels         BIGINT NOT NULL,
    agreement      DOUBLE NOT NULL,       -- observed share of equal bad / not-bad calls
    kappa          DOUBLE,                -- NULL when undefined (one class only on both sides)
    computed_at    TIMESTAMPTZ NOT NULL
);

-- Audits (tasks/audit/audit.py): a blind stratified sample of interactions people label,
-- and the precision / recall estimates their labels give, per signal, rule and judge.
CREATE TABLE IF NOT EXISTS audits (
    audit_id     VARCHAR NOT NULL,        -- au-<hash of time and settings>
    per_stratum  BIGINT NOT NULL,         -- items drawn per stratum
    strata       JSON NOT NULL,           -- stratum -> interactions in it when drawn
    items        BIGINT NOT NULL,
    seed         BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS audit_items (
    audit_id       VARCHAR NOT NULL,
    item_id        VARCHAR NOT NULL,      -- the review_queue item (kind audit)
    interaction_id VARCHAR NOT NULL,
    stratum        VARCHAR NOT NULL,      -- mined:<source> | not_mined:<source> | not_mined:none
    mined          BOOLEAN NOT NULL,      -- the miner's output when drawn (never exported)
    sources        VARCHAR[] NOT NULL     -- negative signals and judges' bad verdicts that fired
);

CREATE TABLE IF NOT EXISTS audit_estimates (
    audit_id     VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,        -- '*' (the miner), a signal, rule:<name> or llm:<name>
    metric       VARCHAR NOT NULL,        -- precision | recall | bad_rate
    value        DOUBLE,                  -- stratified estimate; NULL when nothing to estimate
    low          DOUBLE,                  -- 95% stratified bootstrap interval
    high         DOUBLE,
    labels       BIGINT NOT NULL,         -- labelled items behind it
    estimated_at TIMESTAMPTZ NOT NULL
);

-- Routing and repair (tasks/repair/route.py, tasks/repair/rewrite.py).
CREATE TABLE IF NOT EXISTS routes (
    case_id        VARCHAR NOT NULL,      -- one current route per bad case
    interaction_id VARCHAR NOT NULL,
    cluster_id     VARCHAR,
    scene          VARCHAR,
    route          VARCHAR NOT NULL,      -- llm_rewrite | human_review | kto_only | drop
    reason         VARCHAR NOT NULL,      -- stable snake_case label, see README "Routing"
    policy_version VARCHAR NOT NULL,
    run_id         VARCHAR NOT NULL,
    routed_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS rewrites (
    rewrite_id          VARCHAR NOT NULL,
    case_id             VARCHAR NOT NULL,
    interaction_id      VARCHAR NOT NULL,
    cluster_id          VARCHAR,
    source              VARCHAR NOT NULL,  -- llm | human
    diagnosis           VARCHAR,           -- (1) error localization: why the answer failed
    structure           VARCHAR,           -- (2) reasoning structure a good answer follows
    answer              VARCHAR,           -- (3) demonstration: the corrected answer
    pattern             VARCHAR,           -- (4) abstraction: the reusable pattern for the cluster
    guided_by           VARCHAR,           -- rewrite_id whose pattern guided this one
    model               VARCHAR,           -- rewriter model (llm)
    prompt_version      VARCHAR,
    reviewer            VARCHAR,           -- the expert (human)
    verification        VARCHAR NOT NULL,  -- chosen | rejected | failed
    verification_reason VARCHAR NOT NULL,
    pairwise            JSON,              -- both orders of the pairwise judge
    rule_failures       VARCHAR[],
    error               VARCHAR,
    raw                 VARCHAR,
    run_id              VARCHAR NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    reply_format        VARCHAR            -- json_schema | text: how the rewriter's reply was read (llm)
);

-- Preference data (tasks/publish/build.py, tasks/publish/publish.py).
CREATE TABLE IF NOT EXISTS preference_pairs (
    pair_id           VARCHAR NOT NULL,   -- pp-<hash of case and repaired answer>
    case_id           VARCHAR NOT NULL,
    interaction_id    VARCHAR NOT NULL,
    cluster_id        VARCHAR,
    scene             VARCHAR,
    category          VARCHAR,            -- error category: a rule, near_miss, llm_judged_bad, user_signal
    rewrite_id        VARCHAR NOT NULL,
    rewrite_source    VARCHAR NOT NULL,   -- llm | human
    prompt            STRUCT(role VARCHAR, content VARCHAR)[] NOT NULL,
    chosen            STRUCT(role VARCHAR, content VARCHAR)[] NOT NULL,
    rejected          STRUCT(role VARCHAR, content VARCHAR)[] NOT NULL,
    near_miss         BOOLEAN NOT NULL,
    badness           DOUBLE NOT NULL,
    chosen_chars      BIGINT NOT NULL,
    rejected_chars    BIGINT NOT NULL,
    signals           VARCHAR[],
    judges            VARCHAR[],
    llm_verdict       VARCHAR,
    llm_score         DOUBLE,
    status            VARCHAR NOT NULL,   -- eligible | excluded
    exclusion_reason  VARCHAR,            -- duplicate_prompt | near_duplicate_prompt | eval_contamination
    duplicate_of      VARCHAR,
    first_version     VARCHAR,            -- the version that first published it
    run_id            VARCHAR NOT NULL,
    built_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS published_versions (
    dataset        VARCHAR NOT NULL,
    version        VARCHAR NOT NULL,      -- v0001, ...; quarantined candidates: q-<run>
    status         VARCHAR NOT NULL,      -- published | quarantined
    path           VARCHAR NOT NULL,
    parent         VARCHAR,
    content_hash   VARCHAR NOT NULL,
    pairs          BIGINT NOT NULL,
    kto_rows       BIGINT NOT NULL,
    added          BIGINT NOT NULL,
    removed        BIGINT NOT NULL,
    validation     JSON,
    run_id         VARCHAR NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);

-- Regression evals (tasks/publish/build.py, tasks/publish/evalset.py, tasks/evaluate/candidate.py).
-- Each repaired case is assigned once, per cluster, to training or to the held-out eval
-- set; held-out cases are never published for training.
CREATE TABLE IF NOT EXISTS eval_split (
    case_id     VARCHAR NOT NULL,
    cluster_id  VARCHAR,
    split       VARCHAR NOT NULL,         -- eval | train
    run_id      VARCHAR NOT NULL,
    assigned_at TIMESTAMPTZ NOT NULL
);

-- Versioned sets other than the preference set: evalsets/, rlsets/.
CREATE TABLE IF NOT EXISTS published_sets (
    kind          VARCHAR NOT NULL,       -- evalset | rlset
    name          VARCHAR NOT NULL,
    version       VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,       -- published | quarantined
    path          VARCHAR NOT NULL,
    parent        VARCHAR,
    content_hash  VARCHAR NOT NULL,
    rows          BIGINT NOT NULL,
    validation    JSON,
    run_id        VARCHAR NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- A candidate model replayed on an eval set (tasks/evaluate/candidate.py): its answers (the cache),
-- each answer's verdicts, and the evaluation with its gate decision.
CREATE TABLE IF NOT EXISTS candidate_answers (
    candidate     VARCHAR NOT NULL,       -- model name @ base URL
    eval_hash     VARCHAR NOT NULL,       -- content hash of the eval set version
    eval_id       VARCHAR NOT NULL,
    answer        VARCHAR,
    error         VARCHAR,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS candidate_judgments (
    candidate       VARCHAR NOT NULL,
    eval_hash       VARCHAR NOT NULL,
    eval_id         VARCHAR NOT NULL,
    judge_model     VARCHAR NOT NULL,
    rubric_verdict  VARCHAR,              -- good | bad (pointwise)
    rubric_score    DOUBLE,
    vs_original     VARCHAR,              -- candidate | original | tie | inconsistent (both orders)
    vs_reference    VARCHAR,              -- candidate | reference | tie | inconsistent
    fixed           BOOLEAN,              -- beats the original in both orders and is not judged bad
    error           VARCHAR,
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS candidate_evaluations (
    evaluation_id  VARCHAR NOT NULL,
    candidate      VARCHAR NOT NULL,
    evalset        VARCHAR NOT NULL,      -- <name>/<version>
    eval_hash      VARCHAR NOT NULL,
    items          BIGINT NOT NULL,
    judged         BIGINT NOT NULL,
    fix_rate       DOUBLE,
    fix_rate_low   DOUBLE,                -- Wilson 95% interval
    fix_rate_high  DOUBLE,
    regression_rate DOUBLE,               -- share of previously fixed clusters that regressed
    reference_rate DOUBLE,                -- share of judged items at least as good as the reference
    decision       VARCHAR NOT NULL,      -- promote | reject
    reasons        VARCHAR[],
    clusters       JSON,                  -- per cluster: items, fixed, rate, interval, baseline
    categories     JSON,
    created_at     TIMESTAMPTZ NOT NULL
);

-- RL prompt calibration (tasks/evaluate/rlprompts.py): each sampled answer of the current policy
-- and whether it passed (the cache: a policy's prompt is never sampled twice).
CREATE TABLE IF NOT EXISTS rl_samples (
    policy      VARCHAR NOT NULL,         -- model name @ base URL
    case_id     VARCHAR NOT NULL,
    sample      INTEGER NOT NULL,         -- 0 .. k-1
    answer      VARCHAR,
    passed      BOOLEAN,                  -- beats the original in both orders, not judged bad
    error       VARCHAR,
    created_at  TIMESTAMPTZ NOT NULL
);
