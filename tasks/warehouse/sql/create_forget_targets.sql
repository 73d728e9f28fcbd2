-- What a deletion request reaches: the user's (or the conversation's) interactions and
-- conversations, their events, bad cases and preference pairs, as temp tables the
-- deletes below read.
CREATE OR REPLACE TEMP TABLE forget_targets AS
SELECT DISTINCT interaction_id, conversation_id FROM interactions
WHERE user_id = $user_id OR conversation_id = $conversation_id
UNION
SELECT DISTINCT interaction_id, conversation_id FROM events WHERE conversation_id = $conversation_id;
