SELECT source_file,
    count(*) AS rows_read,
    count(*) FILTER (WHERE reason IS NULL) AS rows_inserted,
    count(*) FILTER (WHERE reason = 'duplicate_id') AS rows_duplicate,
    count(*) FILTER (WHERE reason IS NOT NULL AND reason <> 'duplicate_id') AS rows_quarantined
FROM stage_classified
GROUP BY source_file;
