-- Mining looks at what is new (issue 17).
--
-- interaction_turns holds what every mining stage needs of a turn, so that none of them
-- reads interactions.messages again (issue 17; reading one row's messages reads the
-- whole column): the request, the user turn before it, the last user turn where the
-- context does not end with it, and the answer's length. The list of the last two user
-- turns gives way to those. Each interaction's user cost is kept too: answer families
-- are counted from it, not from every signal again.
-- A derived table: rebuilt empty here, filled again from the messages by the next ingest
-- or mining (nothing to back up, nothing of the user's rewritten).
DROP TABLE interaction_turns;
CREATE TABLE interaction_turns (
    interaction_id  VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    turn_index      INTEGER NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    n_msgs          BIGINT NOT NULL,      -- messages in the context
    request         VARCHAR,              -- the last message's content
    request_norm    VARCHAR NOT NULL,     -- norm_text(request)
    opening         VARCHAR,              -- lower(ltrim(left(request, 60)))
    last_is_user    BOOLEAN NOT NULL,     -- the last message is the user's: the request is the last user turn
    user_turns      SMALLINT NOT NULL,    -- user turns in the context, at most 2
    last_ask        VARCHAR,              -- the last user turn, where it is not the request (else NULL)
    prev_ask        VARCHAR,              -- the user turn before the last one
    answer_chars    BIGINT,               -- length(response_content)
    family          UBIGINT NOT NULL,     -- hash(coalesce(scene, ''), response_content)
    run_id          VARCHAR NOT NULL,     -- the interaction's ingest run: a re-read row is taken again
    user_cost       DOUBLE,               -- its user cost when last mined (answer families count these)
    cost_key        VARCHAR               -- the signal weights that cost was computed with
);

-- Clusters are kept, not recomputed over every bad case each night: the normalised
-- request of each bad case (its node), and the cluster of each node. A night clusters
-- again only the nodes that are new and those of the clusters they touch or lose a node
-- from (tasks/mine/mine.py). Derived: filled at the next mining.
CREATE TABLE case_texts (
    case_id      VARCHAR NOT NULL,        -- bad_cases.case_id
    case_hash    UBIGINT NOT NULL,        -- hash(scene, request): a case asking otherwise is taken again
    scene        VARCHAR NOT NULL,        -- '' for none
    text         VARCHAR NOT NULL         -- norm_text(request)
);

CREATE TABLE request_clusters (
    scene      VARCHAR NOT NULL,
    text       VARCHAR NOT NULL,
    cluster_id VARCHAR NOT NULL           -- cl-<md5 of the smallest (scene, text) in the cluster>
);

-- The conversations a loop run mines, picked once by its signals stage and read by its
-- rule judges and mining (they would pick the same ones: nothing is ingested between).
-- Only the latest run's are kept.
CREATE TABLE mining_scopes (
    run_id          VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    interactions    BIGINT NOT NULL,      -- its interactions when picked
    events          BIGINT NOT NULL,      -- its events when picked
    first_ts        TIMESTAMPTZ NOT NULL, -- its earliest interaction
    settled         BOOLEAN NOT NULL      -- quiet long enough that abandonment could be judged
);
