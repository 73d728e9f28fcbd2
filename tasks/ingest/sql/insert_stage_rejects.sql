-- Lines the text reader could not take, with their line numbers.
INSERT INTO stage_lines
SELECT $path, line, csv_line,
    CASE error_type
        WHEN 'INVALID ENCODING' THEN 'invalid_encoding'
        WHEN 'LINE SIZE OVER MAXIMUM' THEN 'record_too_large'
        ELSE 'invalid_json'
    END
FROM file_rejects;
