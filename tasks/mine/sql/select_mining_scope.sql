-- Conversations to (re)mine: their interactions or events changed since they were
-- last mined, or they were still active then (abandonment could not be judged yet).
CREATE OR REPLACE TEMP TABLE mine_scope AS
WITH i AS (
    SELECT conversation_id, count(*) AS interactions, min(ts) AS first_ts, max(ts) AS last_ts
    FROM interactions GROUP BY 1
),
ev AS (
    SELECT conversation_id, count(*) AS events FROM events GROUP BY 1
),
current AS (
    SELECT i.conversation_id, i.interactions, coalesce(ev.events, 0) AS events, i.first_ts,
        epoch($watermark::TIMESTAMPTZ - i.last_ts) >= $abandon_after_s AS settled
    FROM i LEFT JOIN ev USING (conversation_id)
)
SELECT c.conversation_id, c.interactions, c.events, c.first_ts, c.settled
FROM current c
LEFT JOIN mined_conversations m USING (conversation_id)
WHERE m.conversation_id IS NULL OR NOT m.settled
   OR m.interactions <> c.interactions OR m.events <> c.events;
