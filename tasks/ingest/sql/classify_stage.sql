-- Give every staged record its fate: NULL reason (insert), a rule's reason, or
-- duplicate_id when an earlier record (in the warehouse, or earlier in file and
-- line order) has the same id. The first copy is kept.
CREATE OR REPLACE TEMP TABLE stage_classified AS
WITH c AS (
    SELECT s.*, CASE WHEN s.pre_reason IS NULL THEN {{problem}}(s, $max_bytes) END AS problem
    FROM stage s
),
r AS (
    SELECT * EXCLUDE (problem, pre_reason, pre_detail),
        coalesce(pre_reason, problem.reason) AS reason,
        coalesce(pre_detail, problem.detail) AS detail
    FROM c
),
d AS (
    SELECT *,
        reason IS NULL AND (
            row_number() OVER (PARTITION BY {{id}}, reason IS NULL ORDER BY source_file, line_no) > 1
            OR {{id}} IN (SELECT {{id}} FROM {{table}})
        ) AS is_duplicate
    FROM r
)
SELECT * EXCLUDE (reason, detail, is_duplicate),
    CASE WHEN is_duplicate THEN 'duplicate_id' ELSE reason END AS reason,
    CASE WHEN is_duplicate THEN 'an earlier record with this id was kept' ELSE detail END AS detail
FROM d;
