-- Mining reads each turn once (issue 17): what signals, rule judges and scoring need of
-- an interaction, taken from its messages when it is first mined, and the MinHash-LSH
-- band keys of each bad-case request, computed once per text. Both are derived: an
-- upgraded warehouse fills them at its next mining, nothing is rewritten here.

-- One row per interaction (tasks/mine/sql/insert_interaction_turns.sql).
CREATE TABLE IF NOT EXISTS interaction_turns (
    interaction_id  VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    turn_index      INTEGER NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    n_msgs          BIGINT NOT NULL,      -- messages in the context
    request         VARCHAR,              -- the last message's content
    request_norm    VARCHAR NOT NULL,     -- norm_text(request)
    opening         VARCHAR,              -- lower(ltrim(left(request, 60)))
    asks            VARCHAR[] NOT NULL,   -- the last two user turns (at most), oldest first
    family          UBIGINT NOT NULL,     -- hash(coalesce(scene, ''), response_content)
    run_id          VARCHAR NOT NULL      -- the interaction's ingest run: a re-read row is taken again
);

-- MinHash-LSH band keys of bad-case requests (tasks/mine/sql/insert_request_bands.sql).
CREATE TABLE IF NOT EXISTS request_bands (
    scene    VARCHAR NOT NULL,            -- '' for none
    text     VARCHAR NOT NULL,            -- norm_text(request)
    bands    INTEGER NOT NULL,            -- mining.lsh_bands these keys were computed with
    "rows"   INTEGER NOT NULL,            -- mining.lsh_rows
    band     INTEGER NOT NULL,
    bucket   UBIGINT NOT NULL
);
