-- Read a JSONL(.gz) file as raw text lines. The delimiter is a control character
-- that valid JSON never contains unescaped; lines DuckDB cannot read (not UTF-8,
-- over the size limit) land in file_rejects with their line number.
CREATE OR REPLACE TEMP TABLE file_lines AS
SELECT line
FROM read_csv($path,
    columns = {'line': 'VARCHAR'},
    delim = $delim, quote = '', escape = '', header = false, auto_detect = false,
    max_line_size = $max_line_size,
    store_rejects = true, rejects_table = 'file_rejects', rejects_scan = 'file_reject_scans');
