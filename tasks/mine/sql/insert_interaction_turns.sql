-- What mining needs of each interaction not taken yet, read from its messages once:
-- the whole history an interaction carries is never looked at again.
INSERT INTO interaction_turns
WITH fresh AS (
    SELECT i.*, i.messages[-1].content AS request
    FROM interactions i
    ANTI JOIN interaction_turns t ON t.interaction_id = i.interaction_id AND t.run_id = i.run_id
)
SELECT interaction_id, conversation_id, turn_index, ts, len(messages), request,
    norm_text(request), lower(ltrim(left(request, 60))),
    [m.content FOR m IN messages IF m.role = 'user'][-2:],
    hash(coalesce(scene, ''), response_content), run_id
FROM fresh;
