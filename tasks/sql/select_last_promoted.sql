-- The newest promoted evaluation of another candidate on the same eval set (any version).
SELECT candidate, clusters FROM candidate_evaluations
WHERE decision = 'promote' AND evalset LIKE $evalset AND candidate <> $candidate
ORDER BY created_at DESC
LIMIT 1;
