SELECT count(*), count(*) FILTER (WHERE near_miss)
FROM bad_cases WHERE conversation_id IN (SELECT conversation_id FROM mine_scope);
