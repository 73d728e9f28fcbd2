-- Rule inputs: the answers of the conversations in mine_scope, and their requests
-- (interaction_turns: the messages are not read again).
CREATE OR REPLACE TEMP VIEW rule_inputs AS
SELECT i.interaction_id AS item_id, i.response_content AS answer, i.finish_reason, t.request
FROM interactions i JOIN interaction_turns t USING (interaction_id)
WHERE i.conversation_id IN (SELECT conversation_id FROM mine_scope)
  AND i.ts >= getvariable('mine_since') AND t.ts >= getvariable('mine_since');
