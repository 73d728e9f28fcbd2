-- Quarantined records of the user: by record id where it could be read, else by the
-- user or conversation id quoted in the kept raw text.
DELETE FROM quarantine
WHERE record_id IN (SELECT record_id FROM forget_records)
   OR ($user_id IS NOT NULL AND contains(raw, '"' || $user_id || '"'))
   OR ($conversation_id IS NOT NULL AND contains(raw, '"' || $conversation_id || '"'));
