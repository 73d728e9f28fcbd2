-- Forget what was derived for the conversations being mined again.
DELETE FROM {{table}} WHERE conversation_id IN (SELECT conversation_id FROM mine_scope);
