-- Eligible pairs asking exactly what a held-out eval case asks (normalised text): a
-- publishable set has none (build excludes them and their near copies).
WITH held AS (
    SELECT DISTINCT norm_text(array_to_string([m.content FOR m IN p.prompt IF m.role = 'user'], ' ')) AS t
    FROM preference_pairs p JOIN eval_split e ON e.case_id = p.case_id AND e.split = 'eval'
)
SELECT p.pair_id FROM preference_pairs p
WHERE p.status = 'eligible'
  AND norm_text(array_to_string([m.content FOR m IN p.prompt IF m.role = 'user'], ' '))
      IN (SELECT t FROM held);
