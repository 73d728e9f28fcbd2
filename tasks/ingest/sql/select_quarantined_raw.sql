-- The raw text kept with one file's quarantined records (redacted and cut after).
SELECT rowid, raw FROM quarantine WHERE source_file = $path AND raw IS NOT NULL;
