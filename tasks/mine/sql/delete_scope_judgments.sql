DELETE FROM judgments
WHERE judge LIKE 'rule:%'
  AND interaction_id IN (
      SELECT interaction_id FROM interactions SEMI JOIN mine_scope USING (conversation_id)
        WHERE ts >= getvariable('mine_since'));
