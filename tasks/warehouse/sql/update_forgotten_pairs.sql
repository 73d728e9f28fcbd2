-- Withdraw the user's pairs: excluded as 'forgotten' (the next version drops them) and
-- their text erased; the ids stay so the versions that published them can be found.
UPDATE preference_pairs
SET status = 'excluded', exclusion_reason = 'forgotten', duplicate_of = NULL,
    prompt = [], chosen = [], rejected = []
WHERE pair_id IN (SELECT pair_id FROM forget_pairs);
