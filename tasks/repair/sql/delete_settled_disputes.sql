-- A person labelled disputed cases (a trusted judge said fine, the user said bad): forget
-- that their conversations were mined, so the next run mines them again with the label
-- (create_case_scores.sql settles a dispute by the person's label).
DELETE FROM mined_conversations
WHERE conversation_id IN (
    SELECT i.conversation_id
    FROM review_import_arrow u
    JOIN review_queue q USING (item_id)
    JOIN interactions i USING (interaction_id)
    WHERE q.reason = 'disputed' AND u.label IS NOT NULL
);
