INSERT INTO {{table}} BY NAME
SELECT * EXCLUDE (line_no, raw, raw_bytes, reason, detail)
FROM stage_classified
WHERE reason IS NULL;
