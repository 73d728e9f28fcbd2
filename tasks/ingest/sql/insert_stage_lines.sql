-- Number the lines read from one file. file_lines keeps the file's order (rowid),
-- minus the rejected lines; each rejected line before a row shifts it down by one.
INSERT INTO stage_lines
WITH gaps AS (
    SELECT line - row_number() OVER (ORDER BY line) AS good_before FROM file_rejects
)
SELECT $path, f.rowid + 1 + (SELECT count(*) FROM gaps g WHERE g.good_before <= f.rowid), f.line, NULL
FROM file_lines f;
