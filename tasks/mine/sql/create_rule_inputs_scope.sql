-- Rule inputs: the answers of the conversations in mine_scope.
CREATE OR REPLACE TEMP VIEW rule_inputs AS
SELECT i.interaction_id AS item_id, i.response_content AS answer, i.finish_reason,
    i.messages[-1].content AS request
FROM interactions i SEMI JOIN mine_scope USING (conversation_id);
