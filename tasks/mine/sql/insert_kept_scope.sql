-- Keep this run's scope (mine_scope) for its later stages.
INSERT INTO mining_scopes
SELECT $run_id, conversation_id, interactions, events, first_ts, settled FROM mine_scope;
