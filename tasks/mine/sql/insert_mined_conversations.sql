INSERT INTO mined_conversations
SELECT conversation_id, interactions, events, settled, $run_id FROM mine_scope;
