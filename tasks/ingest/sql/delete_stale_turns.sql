-- Forget the per-turn rows of interactions that are gone or were read again (a changed
-- landed file is re-read whole, in a later run), among the runs $runs that changed.
DELETE FROM interaction_turns t
WHERE list_contains($runs, t.run_id)
  AND NOT EXISTS (
    SELECT 1 FROM interactions i
    WHERE list_contains($runs, i.run_id)
      AND i.interaction_id = t.interaction_id AND i.run_id = t.run_id);
