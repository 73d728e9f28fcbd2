-- Delete the rows of one table whose key names a forgotten conversation (forget_conversations).
DELETE FROM {{table}} WHERE {{id}} IN (SELECT conversation_id FROM forget_conversations);
