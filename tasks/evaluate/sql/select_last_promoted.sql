-- The newest promoted evaluation of another candidate on the same eval set (any version:
-- evalset is <name>/<version>).
SELECT candidate, clusters FROM candidate_evaluations
WHERE decision = 'promote' AND candidate <> $candidate
  AND split_part(evalset, '/', 1) = split_part($evalset, '/', 1)
ORDER BY created_at DESC
LIMIT 1;
