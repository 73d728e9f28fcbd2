-- Forget the nodes of bad cases that are gone, and of the cases just mined again that ask
-- something else now or in another scene. A bad case's request and scene change only when
-- its conversation is mined again (its row is deleted and inserted), so only those cases'
-- requests are hashed.
DELETE FROM case_texts t
WHERE NOT EXISTS (SELECT 1 FROM bad_cases b WHERE b.case_id = t.case_id)
   OR t.case_id IN (
       SELECT b.case_id FROM bad_cases b
       JOIN case_texts k USING (case_id)
       WHERE b.conversation_id IN (SELECT conversation_id FROM mine_scope)
         AND hash(coalesce(b.scene, ''), b.request) <> k.case_hash);
