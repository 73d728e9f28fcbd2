SELECT signal, count(*) FROM signals
WHERE conversation_id IN (SELECT conversation_id FROM mine_scope)
GROUP BY signal ORDER BY signal;
