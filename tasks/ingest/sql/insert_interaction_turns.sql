-- What mining needs of each interaction not taken yet, read from its messages once:
-- the whole history an interaction carries is never looked at again. Only the runs that
-- changed are read (select_unsynced_runs.sql); the texts are taken out first (a
-- materialised step), so both cores normalise them.
INSERT INTO interaction_turns BY NAME
WITH fresh AS MATERIALIZED (
    SELECT i.interaction_id, i.conversation_id, i.turn_index, i.ts,
        len(i.messages) AS n_msgs, i.messages[-1].content AS request,
        coalesce(i.messages[-1].role = 'user', false) AS last_is_user,
        [m.content FOR m IN i.messages IF m.role = 'user'][-2:] AS asks,
        length(i.response_content) AS answer_chars,
        hash(coalesce(i.scene, ''), i.response_content) AS family, i.run_id
    FROM interactions i
    ANTI JOIN (SELECT interaction_id, run_id FROM interaction_turns WHERE list_contains($runs, run_id)) t
        ON t.interaction_id = i.interaction_id AND t.run_id = i.run_id
    WHERE list_contains($runs, i.run_id)
)
SELECT * EXCLUDE (request, asks), request,
    norm_text(request) AS request_norm, lower(ltrim(left(request, 60))) AS opening,
    len(asks) AS user_turns, CASE WHEN NOT last_is_user THEN asks[-1] END AS last_ask,
    CASE WHEN len(asks) >= 2 THEN asks[-2] END AS prev_ask
FROM fresh;
