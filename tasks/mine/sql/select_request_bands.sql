-- The band keys of every bad-case request (request_bands, kept current by
-- delete_stale_request_bands.sql and insert_request_bands.sql).
SELECT scene, text, band, bucket FROM request_bands;
