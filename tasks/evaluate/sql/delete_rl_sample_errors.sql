-- Unsettled samples about to be stored again (new_rows_arrow).
DELETE FROM rl_samples
WHERE policy = $policy AND (passed IS NULL OR error IS NOT NULL)
  AND (case_id, sample) IN (SELECT (case_id, sample) FROM new_rows_arrow);
