INSERT INTO quarantine
SELECT $run_id, $kind, source_file, line_no, reason, detail, {{id}}, left(raw, $raw_chars), raw_bytes, now()
FROM stage_classified
WHERE reason IS NOT NULL
ORDER BY source_file, line_no;
