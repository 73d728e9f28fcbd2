-- Pairs composition leaves out of this version (temp view composition_arrow: pair_id,
-- reason) become 'deferred' with the reason; the next build makes them eligible again and
-- the next composition reconsiders them.
UPDATE preference_pairs p SET status = 'deferred', exclusion_reason = c.reason
FROM composition_arrow c
WHERE p.pair_id = c.pair_id;
