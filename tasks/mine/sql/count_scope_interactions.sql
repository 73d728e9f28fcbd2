SELECT count(*) FROM interactions SEMI JOIN mine_scope USING (conversation_id)
WHERE ts >= getvariable('mine_since');
