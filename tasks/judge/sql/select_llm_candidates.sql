-- The uncached items of llm_todo, best first, within the item budget.
SELECT t.interaction_id, t.reason, i.scene,
    [{'role': m.role, 'content': m.content} FOR m IN i.messages] AS context,
    i.response_content
FROM llm_todo t JOIN interactions i USING (interaction_id)
WHERE NOT t.cached
ORDER BY t.tier, t.base_badness DESC NULLS LAST, hash(t.interaction_id, $seed)
LIMIT $max_items;
