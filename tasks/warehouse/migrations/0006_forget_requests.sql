-- Deletion requests (issue 18, item 6; badcase-loop forget): one row per request, what
-- it deleted, which pairs it withdrew, and which published versions still hold them.
CREATE TABLE forget_requests (
    request_id      VARCHAR NOT NULL,
    user_id         VARCHAR,
    conversation_id VARCHAR,
    requested_at    TIMESTAMPTZ NOT NULL,
    rows_deleted    JSON NOT NULL,        -- table -> rows deleted
    pairs_withdrawn VARCHAR[] NOT NULL,   -- pair ids now excluded as 'forgotten'
    still_in        JSON NOT NULL         -- [{name, version, status, path, pairs, cases}]
);
