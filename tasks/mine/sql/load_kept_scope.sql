-- The scope this run's signals stage picked (mining_scopes), as temp table mine_scope.
CREATE OR REPLACE TEMP TABLE mine_scope AS
SELECT conversation_id, interactions, events, first_ts, settled
FROM mining_scopes WHERE run_id = $run_id;
